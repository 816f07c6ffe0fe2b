// server.mjs launches the one headless Chromium of a browser-test run (Debian's
// /usr/bin/chromium, driven by playwright-core) as a Playwright browser server, prints
// {"wsEndpoint": "..."} on one line, and closes the browser when its stdin closes (or on
// SIGTERM). Each scenario (scenario.mjs) connects to it and works in a fresh context.
// Run by e2e/browser_test.go.
import { chromium } from 'playwright-core';

const server = await chromium.launchServer({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync',
  ],
});

let closing = false;
async function close(code) {
  if (closing) return;
  closing = true;
  try {
    await server.close();
  } finally {
    process.exit(code);
  }
}

process.on('SIGTERM', () => close(0));
process.on('SIGINT', () => close(0));
process.stdin.on('end', () => close(0));
process.stdin.on('error', () => close(0));
process.stdin.resume();

process.stdout.write(JSON.stringify({ wsEndpoint: server.wsEndpoint() }) + '\n');
