// Takes the README's demo screenshots (docs/demo-link.png, docs/demo.png) with headless
// Chromium, driving the deposit scenario of /demo through the sandbox.
//
//   go run ./cmd/linkd serve --demo --data /tmp/demo-data &
//   node docs/screenshots.mjs [http://localhost:8080]
//
// Needs e2e/node_modules (npm ci --prefix e2e) and /usr/bin/chromium.
import { chromium } from '../e2e/node_modules/playwright-core/index.mjs';

const base = process.argv[2] || 'http://localhost:8080';
const dir = new URL('.', import.meta.url).pathname;

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
});
const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
page.on('pageerror', (e) => console.error('page error:', e.message));
await page.addInitScript(() =>
  localStorage.setItem('linkd-demo-options', JSON.stringify({ theme: 'light', language: 'en', renderType: 'overlay' })),
);
await page.goto(`${base}/demo`);
const link = page.frameLocator('#mesh-link-popup__iframe');
const t = { timeout: 5000 };

await page.click('[data-scenario="deposit"]');
await link.getByText('Sandbox', { exact: true }).first().click(t);
await link.getByTestId('input-username').fill('user_good', t);
await link.getByTestId('input-password').fill('pass_good', t);
await link.getByTestId('button-connect').click(t);
await link.getByTestId('button-accounts-continue').click(t);
await link.getByRole('button', { name: /USDC/ }).first().click(t);
await link.getByRole('button', { name: /Ethereum/ }).first().click(t);
await link.getByTestId('button-confirm-transfer').waitFor(t);
await page.mouse.move(0, 0);
await page.waitForTimeout(400);
await page.screenshot({ path: `${dir}demo-link.png` });

await link.getByTestId('button-confirm-transfer').click(t);
await link.getByTestId('button-transfer-done').click(t);
await page.locator('.kind-onExit').waitFor(t);
// The backend's webhooks: pending, then succeeded once the sandbox settles (5 s by
// default, --sandbox-settle-delay), each with its signature check.
await page.locator('#log .entry', { hasText: 'succeeded' }).locator('.sig-ok').waitFor({ timeout: 20000 });
// Fold every payload but the transfer's and the last webhook's, as a reader would, to show
// the whole sequence.
await page.evaluate(() => {
  const entries = [...document.querySelectorAll('#log details')];
  const lastHook = entries.filter((d) => d.querySelector('.kind-webhook')).pop();
  for (const d of entries) d.open = !!d.querySelector('.kind-onTransferFinished') || d === lastHook;
  const log = document.getElementById('log');
  log.scrollTop = log.scrollHeight;
});
await page.mouse.move(0, 0);
await page.waitForTimeout(400);
await page.screenshot({ path: `${dir}demo.png` });
await browser.close();
console.log(`wrote ${dir}demo-link.png and ${dir}demo.png`);
