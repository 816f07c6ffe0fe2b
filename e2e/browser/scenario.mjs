// scenario.mjs runs one browser scenario of e2e/browser_test.go: it connects to the
// run's Chromium (server.mjs), opens the host page in a fresh context, gets a link token
// from the host's backend, calls openLink with the SDK the page loaded (Mesh's
// web-link-sdk or linkd's /sdk/link.js), and completes the flow in the Link UI's iframe
// by its test ids (internal/linkui/web/TESTIDS.md), taking a screenshot of each screen.
//
// Input: the environment variable BROWSER_SCENARIO, a JSON object (see browser_test.go's
// scenarioConfig). Output: one JSON line on stdout with what happened: the host page's
// recorded callbacks (window.__events), the messages it received, the Link UI screens in
// order, the messages the Link UI posted and their target origins, console errors and
// requests that left the machine, the screenshots, and the values the flow read off the
// screens. The Go test asserts on it. On a failed step the line says which step, and the
// exit status is 1.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

const cfg = JSON.parse(process.env.BROWSER_SCENARIO || '{}');
const T = { timeout: cfg.stepTimeoutMs || 10000 };
const IFRAME = '#mesh-link-popup__iframe';

const result = {
  ok: false,
  sdk: cfg.sdk,
  scenario: cfg.scenario,
  step: 'start',
  error: null,
  lastScreen: null,
  pages: {},
  console: [],
  pageErrors: [],
  externalRequests: [],
  // linkDocuments counts the Link UI documents the browser requested (/link/<client> and
  // /pay/<client>, framed or not); redemptions the POST /link/api/sessions it sent
  // (docs/threat-model.md T6: one per document).
  linkDocuments: 0,
  redemptions: 0,
  instrumentErrors: [],
  shots: [],
  data: {},
  steps: [],
};

function pageRecord(label) {
  if (!result.pages[label]) result.pages[label] = { events: [], messages: [], screens: [], posts: [], bridgePosts: [], bridgeMessages: [] };
  return result.pages[label];
}

// ---- instrumentation of the Link UI's frame (runs in every frame, acts in linkd's) ----

// instrument runs before the page's own scripts in every frame of the context (Playwright
// init script). In a frame on one of linkd's origins it reports through the binding
// __pwReport: each screen as it appears (the <section data-screen> in <main>, with the
// frame's location.href at that moment), and each message the page posts to its parent
// with its target origin. To see the target origin it wraps window.parent in an object
// whose postMessage logs and forwards to the real parent (and makes MessageEvent.source
// answer that object for the parent's messages, so that the page's own source check
// still holds): a pass-through, it changes nothing else.
function instrument(linkOrigins) {
  if (!linkOrigins.includes(location.origin)) return;
  const queue = [];
  const flush = () => {
    if (typeof window.__pwReport !== 'function') {
      setTimeout(flush, 10);
      return;
    }
    while (queue.length) {
      const [kind, data] = queue.shift();
      window.__pwReport(kind, data).catch(() => {});
    }
  };
  const report = (kind, data) => {
    queue.push([kind, data]);
    flush();
  };

  let framed = true;
  try {
    framed = window.top !== window;
  } catch {
    framed = true;
  }
  if (framed) {
    try {
      const real = window.parent;
      const wrapper = {
        postMessage(message, target, transfer) {
          const bridge = message && typeof message === 'object' && typeof message.id === 'string' &&
            ['GET', 'SET', 'APPLY', 'CONSTRUCT', 'ENDPOINT', 'RELEASE'].includes(message.type);
          report(bridge ? 'bridge' : 'post', {
            type: message && typeof message === 'object' ? message.type : typeof message,
            target: typeof target === 'string' ? target : target && target.targetOrigin,
            payload: !bridge && message && typeof message === 'object' && 'payload' in message ? JSON.parse(JSON.stringify(message.payload ?? null)) : undefined,
          });
          return transfer === undefined ? real.postMessage(message, target) : real.postMessage(message, target, transfer);
        },
      };
      const source = Object.getOwnPropertyDescriptor(MessageEvent.prototype, 'source');
      Object.defineProperty(MessageEvent.prototype, 'source', {
        configurable: true,
        enumerable: source.enumerable,
        get() {
          const s = source.get.call(this);
          return s === real ? wrapper : s;
        },
      });
      Object.defineProperty(window, 'parent', { configurable: true, enumerable: true, get: () => wrapper });
    } catch (e) {
      report('instrumentError', String(e && e.stack ? e.stack : e));
    }
  }

  let last = null;
  const scan = () => {
    const s = document.querySelector('main#main > section[data-screen]');
    if (!s || s === last) return;
    last = s;
    const h1 = s.querySelector('h1');
    report('screen', {
      name: s.dataset.screen,
      error: s.dataset.error || null,
      title: h1 ? h1.textContent.trim() : '',
      href: location.href,
    });
  };
  new MutationObserver(scan).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-screen', 'data-error'] });
}

// ---- the run ----

let browser;
let context;
const pages = new Map(); // label -> page
let shotNo = 0;
const artifacts = join(cfg.artifactsDir, cfg.sdk);
mkdirSync(artifacts, { recursive: true });

function labelOf(page) {
  for (const [l, p] of pages) if (p === page) return l;
  return 'other';
}

async function newPage(label, url) {
  const page = await context.newPage();
  pages.set(label, page);
  pageRecord(label);
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') {
      result.console.push({ page: label, type: m.type(), text: m.text(), url: m.location() && m.location().url });
    }
  });
  page.on('pageerror', (e) => result.pageErrors.push({ page: label, message: String(e && e.message ? e.message : e) }));
  await page.goto(url, T);
  await page.waitForFunction(() => window.__hostReady || window.__sdkError, null, T);
  const err = await page.evaluate(() => window.__sdkError || null);
  if (err) throw new Error(`the host page's SDK did not load: ${err}`);
  return page;
}

// fullPages are Link UI pages opened as a full page (a payment link), not in the host's iframe.
const fullPages = new Set();

function link(page) {
  return fullPages.has(page) ? page : page.frameLocator(IFRAME);
}

const t0 = Date.now();
async function step(name, fn) {
  result.step = name;
  result.steps.push([name, Date.now() - t0]);
  return fn();
}

// shot saves a screenshot of the Link UI's iframe (or of the whole page).
async function shot(page, name, { fullPage = false } = {}) {
  shotNo++;
  const file = join(artifacts, `${cfg.scenario}-${String(shotNo).padStart(2, '0')}-${name}.png`);
  if (fullPage || fullPages.has(page)) {
    await page.screenshot({ path: file, animations: 'disabled' });
  } else {
    // Let the logos that are in view finish loading, so the picture shows what a user sees
    // (images outside the scrolling <main>, or not displayed, are lazy and never load).
    const frame = await (await page.locator(IFRAME).elementHandle(T)).contentFrame();
    await frame.waitForFunction(() => {
      const main = document.getElementById('main');
      const m = main ? main.getBoundingClientRect() : { top: 0, bottom: window.innerHeight };
      return [...document.images].every((i) => {
        const r = i.getBoundingClientRect();
        return i.complete || (r.width === 0 && r.height === 0) || r.bottom <= m.top || r.top >= m.bottom;
      });
    }, null, { timeout: 2000 }).catch(() => {});
    // Two animation frames inside the Link UI: what is on screen is what the DOM says.
    await Promise.race([
      frame.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))),
      new Promise((r) => setTimeout(r, 2000)),
    ]).catch(() => {});
    await page.locator(IFRAME).screenshot({ path: file, animations: 'disabled', ...T });
  }
  result.shots.push(file);
  return file;
}

// screen waits for the Link UI to show screen name (and, for the error screen, which
// error), then takes its screenshot.
async function screen(page, name, { error = null, shotName = name, take = true } = {}) {
  const sel = error ? `[data-screen="${name}"][data-error="${error}"]` : `[data-screen="${name}"]`;
  await step(`wait for screen ${name}${error ? ` (${error})` : ''}`, () => link(page).locator(sel).waitFor({ state: 'visible', ...T }));
  await link(page).locator(`${sel} h1, ${sel} .spinner`).first().waitFor({ state: 'visible', ...T }).catch(() => {});
  if (take) await shot(page, shotName);
}

async function click(page, testid) {
  await step(`click ${testid}`, () => link(page).getByTestId(testid).click(T));
}

async function fill(page, testid, value) {
  await step(`fill ${testid}`, () => link(page).getByTestId(testid).fill(value, T));
}

async function text(page, testid) {
  return step(`read ${testid}`, async () => (await link(page).getByTestId(testid).innerText(T)).trim());
}

async function count(page, testid) {
  return link(page).getByTestId(testid).count();
}

// open gets a link token for the scenario from the host's backend and opens Link.
async function open(page, tokenScenario, options = {}) {
  const token = await step(`POST /token ${tokenScenario}`, () =>
    page.evaluate(([s, run]) => window.fetchToken(s, run), [tokenScenario, cfg.run]));
  await step('openLink', () => page.evaluate(([t, o]) => window.openLink(t, o), [token, options]));
  return token;
}

async function openWith(page, token, options = {}) {
  await step('openLink (same token)', () => page.evaluate(([t, o]) => window.openLink(t, o), [token, options]));
}

// waitForCallback waits until the page recorded a callback matching pred.
async function waitForCallback(page, what, pred) {
  await step(`wait for ${what}`, () => page.waitForFunction(
    (src) => (window.__events || []).some(new Function('e', `return (${src})(e)`)), pred.toString(), T));
}

// clickAndExit clicks a button that ends the session (Continue, Done, Close): the Link UI
// posts done or close, and the SDK calls onExit and removes the iframe, possibly while
// Playwright is still finishing the click inside it. The step is over when the click
// returned or onExit was recorded, whichever comes first.
async function clickAndExit(page, testid) {
  await step(`click ${testid} (ends the session)`, async () => {
    const exited = page.waitForFunction(() => (window.__events || []).some((e) => e.cb === 'onExit'), null, T);
    const clicked = link(page).getByTestId(testid).click(T);
    exited.catch(() => {});
    clicked.catch(() => {});
    try {
      await Promise.race([clicked, exited]);
    } catch (e) {
      const done = await page.evaluate(() => (window.__events || []).some((e) => e.cb === 'onExit')).catch(() => false);
      if (!done) throw e;
    }
  });
  await waitForCallback(page, 'onExit', (e) => e.cb === 'onExit');
}

async function popupGone(page) {
  await step('wait for the popup to be removed', () => page.locator('#mesh-link-popup').waitFor({ state: 'detached', ...T }));
}

// hrefNow is the Link UI frame's location.href, read inside the frame.
async function hrefNow(page) {
  const frame = await (await page.locator(IFRAME).elementHandle(T)).contentFrame();
  return frame.evaluate(() => location.href);
}

async function signIn(page, user, pass = 'pass_good', { take = true } = {}) {
  await screen(page, 'credentials', { take });
  await fill(page, 'input-username', user);
  await fill(page, 'input-password', pass);
  await click(page, 'button-connect');
}

async function chooseAccounts(page, extra = [], { take = true } = {}) {
  await screen(page, 'accounts', { take });
  for (const id of extra) await step(`check account-${id}`, () => link(page).getByTestId(`account-${id}`).check(T));
  await click(page, 'button-accounts-continue');
}

async function previewRows(page) {
  const rows = {};
  for (const id of ['preview-amount', 'to-address', 'amount', 'fee-network', 'fee-institution', 'fee-client', 'total']) {
    rows[id] = await text(page, id);
  }
  return rows;
}

// ---- scenarios ----

const scenarios = {
  // The sandbox success path: search, sign in, one account, Continue.
  async success(page) {
    await open(page, 'success');
    await screen(page, 'catalog');
    await shot(page, 'host-page', { fullPage: true });
    result.data.hrefAfterLoad = await hrefNow(page);
    result.data.catalogTitle = await text(page, 'catalog-title');
    await fill(page, 'catalog-search', 'sandb');
    await step('search narrows the catalog', () => link(page).getByTestId('integration-coinbase').waitFor({ state: 'detached', ...T }));
    await shot(page, 'catalog-search');
    await click(page, 'integration-sandbox');
    await screen(page, 'credentials');
    result.data.badge = await count(page, 'badge-sandbox');
    await step('open the sandbox hint', async () => {
      await link(page).locator('[data-testid="sandbox-hint"] summary').click(T);
      await link(page).locator('[data-testid="sandbox-hint"] dl').scrollIntoViewIfNeeded(T);
    });
    await shot(page, 'credentials-hint');
    await signIn(page, 'user_good', 'pass_good', { take: false });
    await chooseAccounts(page);
    await screen(page, 'success');
    result.data.successTitle = await text(page, 'success-title');
    result.data.linkAnother = await count(page, 'button-link-another');
    await clickAndExit(page, 'button-continue');
    await popupGone(page);
  },

  // MFA: a wrong code stays on the screen, then 123456; both accounts.
  async mfa(page) {
    await open(page, 'success', { theme: 'dark' });
    await screen(page, 'catalog');
    await click(page, 'integration-sandbox');
    await signIn(page, 'user_mfa');
    await screen(page, 'mfa');
    result.data.mfaSubtitle = (await link(page).locator('[data-screen="mfa"] .subtitle').innerText(T)).trim();
    await fill(page, 'input-mfa-code', '000000');
    await click(page, 'button-verify-code');
    await step('wait for the wrong-code error', () => link(page).getByTestId('form-error').waitFor({ state: 'visible', ...T }));
    result.data.mfaError = await text(page, 'form-error');
    await shot(page, 'mfa-wrong-code');
    await fill(page, 'input-mfa-code', '123456');
    await click(page, 'button-verify-code');
    await chooseAccounts(page, ['sandbox-savings-5678']);
    await screen(page, 'success');
    result.data.successTitle = await text(page, 'success-title');
    await clickAndExit(page, 'button-continue');
    await popupGone(page);
  },

  // A wrong password: the form says so, then the right one connects.
  async 'wrong-password'(page) {
    await open(page, 'success');
    await screen(page, 'catalog');
    await click(page, 'integration-sandbox');
    await signIn(page, 'user_good', 'not_the_password');
    await step('wait for the form error', () => link(page).getByTestId('form-error').waitFor({ state: 'visible', ...T }));
    result.data.formError = await text(page, 'form-error');
    result.data.usernameAfter = await link(page).getByTestId('input-username').inputValue(T);
    result.data.passwordAfter = await link(page).getByTestId('input-password').inputValue(T);
    await shot(page, 'credentials-wrong-password');
    await fill(page, 'input-password', 'pass_good');
    await click(page, 'button-connect');
    await chooseAccounts(page);
    await screen(page, 'success');
    await clickAndExit(page, 'button-continue');
    await popupGone(page);
  },

  // restrictMultipleAccounts: true: no "Link another account".
  async 'restrict-accounts'(page) {
    await open(page, 'restrict');
    await screen(page, 'catalog');
    await click(page, 'integration-sandbox');
    await signIn(page, 'user_good');
    await chooseAccounts(page);
    await screen(page, 'success');
    await link(page).getByTestId('button-continue').waitFor({ state: 'visible', ...T });
    result.data.linkAnother = await count(page, 'button-link-another');
    await clickAndExit(page, 'button-continue');
    await popupGone(page);
  },

  // restrictMultipleAccounts: false: "Link another account" goes back to the catalog; a
  // second connection (with the sandbox's API key) follows.
  async 'link-another'(page) {
    await open(page, 'link-another');
    await screen(page, 'catalog');
    await click(page, 'integration-sandbox');
    await signIn(page, 'user_good');
    await chooseAccounts(page);
    await screen(page, 'success');
    result.data.linkAnother = await count(page, 'button-link-another');
    await click(page, 'button-link-another');
    await screen(page, 'catalog', { shotName: 'catalog-again' });
    await click(page, 'integration-sandbox');
    await screen(page, 'credentials', { shotName: 'credentials-again' });
    await click(page, 'toggle-api-key');
    await fill(page, 'input-api-key', 'sandbox_api_key');
    await fill(page, 'input-api-secret', 'sandbox_api_secret');
    await shot(page, 'credentials-api-key');
    await click(page, 'button-connect');
    await chooseAccounts(page);
    await screen(page, 'success', { shotName: 'success-again' });
    await clickAndExit(page, 'button-continue');
    await popupGone(page);
  },

  // integrationId: the sandbox directly, no catalog.
  async 'integration-id'(page) {
    await open(page, 'integration-id');
    await screen(page, 'credentials');
    result.data.backButtonVisible = await link(page).getByTestId('button-back').isVisible();
    result.data.hrefAfterLoad = await hrefNow(page);
    await signIn(page, 'user_good', 'pass_good', { take: false });
    await chooseAccounts(page);
    await screen(page, 'success');
    await clickAndExit(page, 'button-continue');
    await popupGone(page);
  },

  // A deposit of $25 of USDC on Ethereum (amount fixed by the token, one network).
  async transfer(page) {
    await open(page, 'transfer');
    await screen(page, 'catalog');
    result.data.catalogTitle = await text(page, 'catalog-title');
    await click(page, 'integration-sandbox');
    await signIn(page, 'user_good');
    await chooseAccounts(page);
    await screen(page, 'transfer-asset');
    await click(page, 'asset-USDC');
    await screen(page, 'transfer-preview');
    result.data.preview = await previewRows(page);
    await click(page, 'button-expand-to-address');
    result.data.toAddressFull = await text(page, 'to-address-full');
    await shot(page, 'transfer-preview-address');
    await click(page, 'button-confirm-transfer');
    await screen(page, 'transfer-success');
    result.data.txHashTitle = await link(page).getByTestId('tx-hash').getAttribute('title', T);
    result.data.txHashText = await text(page, 'tx-hash');
    await clickAndExit(page, 'button-transfer-done');
    await popupGone(page);
  },

  // A transfer the user sizes: USDC on Ethereum or Base (network screen), an amount over
  // the balance (refused on the screen), then 10,5.
  async 'transfer-amount'(page) {
    await open(page, 'transfer-amount');
    await screen(page, 'catalog');
    await click(page, 'integration-sandbox');
    await signIn(page, 'user_good');
    await chooseAccounts(page);
    await screen(page, 'transfer-asset');
    await click(page, 'asset-USDC');
    await screen(page, 'transfer-network');
    await click(page, `network-${cfg.networks.base}`);
    await screen(page, 'transfer-amount');
    result.data.balance = await text(page, 'balance');
    await fill(page, 'input-amount', '5000');
    await click(page, 'button-amount-continue');
    await step('wait for the amount error', () => link(page).getByTestId('form-error').waitFor({ state: 'visible', ...T }));
    result.data.amountError = await text(page, 'form-error');
    await shot(page, 'transfer-amount-too-high');
    await fill(page, 'input-amount', '10,5');
    await click(page, 'button-amount-continue');
    await screen(page, 'transfer-preview');
    result.data.preview = await previewRows(page);
    await click(page, 'button-confirm-transfer');
    await screen(page, 'transfer-success');
    await clickAndExit(page, 'button-transfer-done');
    await popupGone(page);
  },

  // "Max" fills the most the account can send (TESTIDS.md): that amount must price, and
  // the transfer go through.
  async 'transfer-max'(page) {
    await open(page, 'transfer-amount');
    await screen(page, 'catalog', { take: false });
    await click(page, 'integration-sandbox');
    await signIn(page, 'user_good', 'pass_good', { take: false });
    await chooseAccounts(page, [], { take: false });
    await screen(page, 'transfer-asset', { take: false });
    await click(page, 'asset-USDC');
    await screen(page, 'transfer-network', { take: false });
    await click(page, `network-${cfg.networks.ethereum}`);
    await screen(page, 'transfer-amount', { take: false });
    await click(page, 'button-max');
    result.data.maxValue = await link(page).getByTestId('input-amount').inputValue(T);
    await shot(page, 'transfer-amount-max');
    await click(page, 'button-amount-continue');
    await step('wait for the Max amount to be priced (or refused)', () => link(page)
      .locator('[data-screen="transfer-preview"], [data-screen="transfer-amount"] [data-testid="form-error"]:visible')
      .first().waitFor({ state: 'visible', ...T }));
    if (await link(page).locator('[data-screen="transfer-preview"]').count() === 0) {
      result.data.maxRefused = await text(page, 'form-error');
      await shot(page, 'transfer-amount-max-refused');
      await clickAndExit(page, 'button-close');
      return;
    }
    await shot(page, 'transfer-preview');
    result.data.preview = await previewRows(page);
    await click(page, 'button-confirm-transfer');
    await screen(page, 'transfer-success');
    await clickAndExit(page, 'button-transfer-done');
    await popupGone(page);
  },

  // Wallet verification with the Sandbox wallet: it signs the token's message with its
  // public test key (POST wallet/sign) and linkd verifies the signature like a browser
  // wallet's.
  async verify(page) {
    await open(page, 'verify', { theme: 'dark' });
    await screen(page, 'catalog');
    result.data.catalogTitle = await text(page, 'catalog-title');
    await click(page, 'integration-sandbox');
    await screen(page, 'verify');
    result.data.message = await text(page, 'verify-message');
    result.data.network = await text(page, `network-${cfg.networks.ethereum}`);
    result.data.address = await link(page).getByTestId('verify-address').getAttribute('title', T);
    await click(page, 'button-sign');
    await screen(page, 'verify-success');
    result.data.verifiedAddress = await link(page).getByTestId('verified-address').getAttribute('title', T);
    await clickAndExit(page, 'button-continue');
    await popupGone(page);
  },

  // Wallet verification when the options allow another address than the Sandbox
  // wallet's: refused before anything is signed.
  async 'verify-rejected'(page) {
    await open(page, 'verify-other');
    await screen(page, 'catalog');
    await click(page, 'integration-sandbox');
    await screen(page, 'verify');
    await click(page, 'button-sign');
    await screen(page, 'verify-mismatch');
    result.data.reasons = await text(page, 'verify-reasons');
    await clickAndExit(page, 'button-exit');
    await popupGone(page);
  },

  // ---- browser wallets, injected into the host page only (test-wallets-entry.js) ----

  // The catalog finds the host page's wallets over the bridge; MetaMask connects: its
  // address becomes the connected account.
  async 'wallet-connect'(page) {
    await open(page, 'success');
    await screen(page, 'catalog', { take: false });
    await step('wait for the wallets', () => link(page).getByTestId('integration-deFiWallet-found-evm-Rabby-Wallet').waitFor({ state: 'visible', ...T }));
    await fill(page, 'catalog-search', 'wallet');
    await shot(page, 'catalog-wallets');
    result.data.metaMaskSub = (await link(page).locator('[data-testid="integration-deFiWallet-metaMask"] .row-sub').innerText(T)).trim();
    result.data.phantomSub = (await link(page).locator('[data-testid="integration-deFiWallet-phantom"] .row-sub').innerText(T)).trim();
    result.data.coinbaseMuted = await link(page).getByTestId('integration-deFiWallet-coinbaseWallet').evaluate((e) => e.classList.contains('row-muted'));
    result.data.rabbyName = (await link(page).locator('[data-testid="integration-deFiWallet-found-evm-Rabby-Wallet"] .row-title').innerText(T)).trim();
    result.data.frameHasWallets = await (await (await page.locator(IFRAME).elementHandle(T)).contentFrame()).evaluate(() => !!window.__testWallets || !!window.ethereum);
    await click(page, 'integration-deFiWallet-metaMask');
    await screen(page, 'wallet-connected');
    result.data.walletAddress = await link(page).getByTestId('wallet-address').getAttribute('title', T);
    result.data.walletNetwork = await text(page, 'wallet-network');
    result.data.calls = await page.evaluate(() => window.__testWallets.calls.map((c) => `${c.wallet} ${c.method}`));
    await clickAndExit(page, 'button-continue');
    await popupGone(page);
  },

  // The user first leaves a wallet prompt unanswered (and goes back), then refuses it
  // (EIP-1193 4001).
  async 'wallet-refused'(page) {
    await open(page, 'success');
    await screen(page, 'catalog', { take: false });
    await step('wait for MetaMask', () => link(page).locator('[data-testid="integration-deFiWallet-metaMask"]:not(.row-muted)').waitFor({ state: 'visible', ...T }));
    await page.evaluate(() => { window.__testWallets.mode = 'hang'; });
    await click(page, 'integration-deFiWallet-metaMask');
    await screen(page, 'wallet-connecting');
    await click(page, 'button-back');
    await screen(page, 'catalog', { shotName: 'catalog-again', take: false });
    await page.evaluate(() => { window.__testWallets.mode = 'reject'; });
    await click(page, 'integration-deFiWallet-metaMask');
    await screen(page, 'wallet-declined');
    result.data.declined = await text(page, 'wallet-error-message');
    await click(page, 'button-choose-another');
    await screen(page, 'catalog', { take: false });
    await clickAndExit(page, 'button-close');
    await popupGone(page);
  },

  // A wallet that never answers: once the Link UI's wallet timeout (2 minutes) has passed
  // on Playwright's fake clock (installed in the page and the frames it opens, so nothing
  // waits for real), the page reports it and says so.
  async 'wallet-timeout'(page) {
    await page.clock.install();
    await open(page, 'success');
    await screen(page, 'catalog', { take: false });
    await step('wait for MetaMask', () => link(page).locator('[data-testid="integration-deFiWallet-metaMask"]:not(.row-muted)').waitFor({ state: 'visible', ...T }));
    await page.evaluate(() => { window.__testWallets.mode = 'hang'; });
    await click(page, 'integration-deFiWallet-metaMask');
    await screen(page, 'wallet-connecting');
    await step('two minutes pass', () => page.clock.fastForward('02:01'));
    await screen(page, 'wallet-timeout');
    result.data.timedOut = await text(page, 'wallet-error-message');
    await clickAndExit(page, 'button-close');
    await popupGone(page);
  },

  // MetaMask signs the token's message (personal_sign); linkd verifies it.
  async 'wallet-verify-evm'(page) {
    await open(page, 'wallet-verify-evm');
    await screen(page, 'catalog', { take: false });
    await step('wait for MetaMask', () => link(page).locator('[data-testid="integration-deFiWallet-metaMask"]:not(.row-muted)').waitFor({ state: 'visible', ...T }));
    await shot(page, 'catalog-verify');
    await click(page, 'integration-deFiWallet-metaMask');
    await screen(page, 'verify');
    result.data.address = await link(page).getByTestId('verify-address').getAttribute('title', T);
    await click(page, 'button-sign');
    await screen(page, 'verify-success');
    result.data.verifiedNetwork = await text(page, 'verified-network');
    await clickAndExit(page, 'button-continue');
    await popupGone(page);
  },

  // Phantom (Wallet Standard) signs with ed25519; linkd verifies it.
  async 'wallet-verify-solana'(page) {
    await open(page, 'wallet-verify-solana', { language: 'es' });
    await screen(page, 'catalog', { take: false });
    await step('wait for Phantom', () => link(page).locator('[data-testid="integration-deFiWallet-phantom"]:not(.row-muted)').waitFor({ state: 'visible', ...T }));
    await click(page, 'integration-deFiWallet-phantom');
    await screen(page, 'verify');
    result.data.address = await link(page).getByTestId('verify-address').getAttribute('title', T);
    await click(page, 'button-sign');
    await screen(page, 'verify-success');
    result.data.successTitle = await text(page, 'verify-success-title');
    await clickAndExit(page, 'button-continue');
    await popupGone(page);
  },

  // Phantom has an EVM and a Solana account: the Link UI asks which, and connects the
  // chosen one (Phantom's EVM account, not MetaMask's).
  async 'wallet-chooser'(page) {
    await open(page, 'success');
    await screen(page, 'catalog', { take: false });
    await step('wait for Phantom', () => link(page).locator('[data-testid="integration-deFiWallet-phantom"]:not(.row-muted)').waitFor({ state: 'visible', ...T }));
    await click(page, 'integration-deFiWallet-phantom');
    await screen(page, 'wallet-chain');
    result.data.kinds = await step('read the choices', () => link(page).locator('[data-testid^="wallet-kind-"]').evaluateAll((els) => els.map((e) => `${e.dataset.testid}: ${e.innerText.trim()}`)));
    await click(page, 'wallet-kind-evm');
    await screen(page, 'wallet-connected');
    result.data.walletAddress = await link(page).getByTestId('wallet-address').getAttribute('title', T);
    result.data.walletNetwork = await text(page, 'wallet-network');
    result.data.calls = await page.evaluate(() => window.__testWallets.calls.map((c) => `${c.wallet} ${c.method}`));
    await clickAndExit(page, 'button-continue');
    await popupGone(page);
  },

  // The options ask for another address than MetaMask's: refused before signing.
  async 'wallet-wrong-address'(page) {
    await open(page, 'verify-other');
    await screen(page, 'catalog', { take: false });
    await step('wait for MetaMask', () => link(page).locator('[data-testid="integration-deFiWallet-metaMask"]:not(.row-muted)').waitFor({ state: 'visible', ...T }));
    await click(page, 'integration-deFiWallet-metaMask');
    await screen(page, 'verify');
    await click(page, 'button-sign');
    await screen(page, 'verify-mismatch');
    result.data.reasons = await text(page, 'verify-reasons');
    result.data.calls = await page.evaluate(() => window.__testWallets.calls.map((c) => `${c.wallet} ${c.method}`));
    await clickAndExit(page, 'button-exit');
    await popupGone(page);
  },

  // The signature is tampered with on its way: linkd refuses it (not the page).
  async 'wallet-tampered'(page) {
    await open(page, 'wallet-verify-evm');
    await screen(page, 'catalog', { take: false });
    await step('wait for MetaMask', () => link(page).locator('[data-testid="integration-deFiWallet-metaMask"]:not(.row-muted)').waitFor({ state: 'visible', ...T }));
    await page.evaluate(() => { window.__testWallets.mode = 'tamper'; });
    await click(page, 'integration-deFiWallet-metaMask');
    await screen(page, 'verify', { take: false });
    await click(page, 'button-sign');
    await screen(page, 'verify-rejected');
    result.data.reasons = await text(page, 'verify-reasons');
    await clickAndExit(page, 'button-exit');
    await popupGone(page);
  },

  // A payment link opened as a full page, the wallets injected into that page: found in
  // the Link UI's own window (EIP-6963), no bridge, no messages.
  async 'pay-wallet'(host) {
    const r = await step('POST /token pay-wallet', () => host.evaluate(async (run) => {
      const res = await fetch('/token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ scenario: 'pay-wallet', run }) });
      return res.json();
    }, cfg.run));
    if (!r.paymentLink) throw new Error(`no paymentLink: ${JSON.stringify(r)}`);
    const page = await context.newPage();
    pages.set('pay', page);
    fullPages.add(page);
    pageRecord('pay');
    page.on('pageerror', (e) => result.pageErrors.push({ page: 'pay', message: String(e && e.message ? e.message : e) }));
    await step('open the payment link', () => page.goto(r.paymentLink, T));
    await screen(page, 'catalog', { take: false });
    await step('wait for MetaMask', () => link(page).locator('[data-testid="integration-deFiWallet-metaMask"]:not(.row-muted)').waitFor({ state: 'visible', ...T }));
    await shot(page, 'pay-catalog');
    await click(page, 'integration-deFiWallet-metaMask');
    await screen(page, 'verify');
    await click(page, 'button-sign');
    await screen(page, 'verify-success');
    result.data.verifiedAddress = await link(page).getByTestId('verified-address').getAttribute('title', T);
    result.data.mode = await page.evaluate(() => document.documentElement.dataset.mode);
    result.data.calls = await page.evaluate(() => window.__testWallets.calls.map((c) => `${c.wallet} ${c.method}`));
    await click(page, 'button-continue');
    await screen(page, 'finished');
  },

  // One token opened twice: the second page is refused, the first session is revoked.
  async 'reused-token'(first) {
    const token = await open(first, 'success');
    await screen(first, 'catalog', { shotName: 'first-catalog' });
    const second = await newPage('second', cfg.hostURL);
    await openWith(second, token);
    await screen(second, 'error', { error: 'linkTokenAlreadyUsed', shotName: 'second-error-already-used' });
    result.data.secondTitle = await text(second, 'error-title');
    result.data.secondMessage = await text(second, 'error-message');
    await clickAndExit(second, 'button-exit');
    await popupGone(second);
    // Back to the first page: close the second, and bring the first to the front (a
    // page behind another is not rendered, and clicks and screenshots would miss).
    await collectPage('second', second);
    await step('close the second page', () => second.close());
    await step('bring the first page to the front', () => first.bringToFront());
    // The first session's next call fails: it was revoked by the reuse.
    await click(first, 'integration-sandbox');
    await signIn(first, 'user_good', 'pass_good', { take: false });
    await screen(first, 'error', { error: 'sessionRevoked', shotName: 'first-error-session-revoked' });
    result.data.firstTitle = await text(first, 'error-title');
    result.data.firstMessage = await text(first, 'error-message');
    await clickAndExit(first, 'button-exit');
    await popupGone(first);
  },

  // An operator revokes the client's tokens (linkd client revoke-tokens) while the Link
  // session is open: its next call fails, and the page says the app cancelled the link
  // (not that it was opened somewhere else).
  async 'operator-revoked'(page) {
    await open(page, 'revocable');
    await screen(page, 'catalog');
    result.data.revoked = await step('linkd client revoke-tokens', async () => {
      const r = await fetch(new URL('/revoke-tokens', cfg.hostURL), { method: 'POST' });
      const body = await r.json();
      if (!r.ok) throw new Error(`revoke-tokens: ${r.status} ${JSON.stringify(body)}`);
      return body;
    });
    await click(page, 'integration-sandbox');
    await signIn(page, 'user_good', 'pass_good', { take: false });
    await screen(page, 'error', { error: 'sessionRevokedByOperator', shotName: 'error-session-revoked-by-operator' });
    result.data.title = await text(page, 'error-title');
    result.data.message = await text(page, 'error-message');
    await clickAndExit(page, 'button-exit');
    await popupGone(page);
  },

  // A token older than the short-lived linkd's --token-ttl.
  async 'expired-token'(page) {
    await open(page, 'expired');
    await screen(page, 'error', { error: 'linkTokenExpired', shotName: 'error-expired' });
    result.data.title = await text(page, 'error-title');
    result.data.message = await text(page, 'error-message');
    result.data.hrefAfterLoad = await hrefNow(page);
    await clickAndExit(page, 'button-close');
    await popupGone(page);
  },

  // The host page is on an origin the client did not register: the browser refuses to
  // frame the Link UI (CSP frame-ancestors). Nothing loads, nothing is redeemed. linkd's SDK
  // gives up after linkdLoadTimeout and calls onExit with the cause; Mesh's waits forever.
  async 'blocked-origin'(page) {
    const linkdSDK = cfg.sdk === 'linkd';
    await open(page, 'blocked', linkdSDK ? { linkdLoadTimeout: cfg.loadTimeoutMs } : {});
    const frame = await step('find the Link iframe', async () => (await page.locator(IFRAME).elementHandle(T)).contentFrame());
    await step('wait for the iframe to settle', () => frame.waitForLoadState('load', T).catch(() => {}));
    await page.waitForTimeout(1500);
    result.data.frameURL = frame.url();
    result.data.frameScreens = await frame.locator('[data-screen]').count().catch((e) => `error: ${e.message}`);
    result.data.frameText = await frame.evaluate(() => document.body ? document.body.innerText.slice(0, 300) : '').catch((e) => `error: ${e.message}`);
    await shot(page, 'blocked-page', { fullPage: true });
    if (linkdSDK) {
      await waitForCallback(page, 'onExit (Link UI not loaded)', (e) => e.cb === 'onExit');
      await popupGone(page);
    }
  },

  // README's Playwright snippet ("Testing against linkd in CI"), extracted by the Go test
  // into cfg.snippetFile: it must connect the sandbox as the README says.
  async 'readme-snippet'(page) {
    await open(page, 'success');
    const { connectSandbox } = await step('import the README snippet', () => import(pathToFileURL(cfg.snippetFile).href));
    await step('README snippet: connectSandbox(page)', () => connectSandbox(page));
    await waitForCallback(page, 'onExit', (e) => e.cb === 'onExit');
    await popupGone(page);
  },
};

// ---- main ----

// collectPage reads what the host page recorded.
async function collectPage(label, page) {
  if (page.isClosed()) return;
  const rec = pageRecord(label);
  try {
    if (fullPages.has(page)) return;
    const got = await page.evaluate(() => ({ events: window.__events || [], messages: window.__messages || [], bridge: window.__bridge || [] }));
    rec.events = got.events;
    rec.messages = got.messages;
    rec.bridgeMessages = got.bridge;
  } catch (e) {
    rec.collectError = String(e);
  }
}

async function collect() {
  for (const [label, page] of pages) await collectPage(label, page);
}

let code = 1;
try {
  const fn = scenarios[cfg.scenario];
  if (!fn) throw new Error(`unknown scenario ${cfg.scenario}`);
  browser = await step('connect to the browser', () => chromium.connect(cfg.ws, T));
  context = await browser.newContext({ viewport: { width: 1024, height: 800 }, deviceScaleFactor: 1, locale: 'en-US' });
  context.setDefaultTimeout(T.timeout);
  await context.exposeBinding('__pwReport', (source, kind, data) => {
    const rec = pageRecord(labelOf(source.page));
    if (kind === 'screen') {
      rec.screens.push(data);
      result.lastScreen = `${labelOf(source.page)}: ${data.name}${data.error ? ` (${data.error})` : ''}`;
    } else if (kind === 'post') {
      rec.posts.push(data);
    } else if (kind === 'bridge') {
      rec.bridgePosts.push(data);
    } else if (kind === 'instrumentError') {
      result.instrumentErrors.push(data);
    }
  });
  await context.addInitScript(instrument, cfg.linkOrigins);
  if (cfg.wallets) {
    // The scripted wallets go where an extension injects them: the host page, or the
    // top-level Link UI page of a payment link; never into the Link UI's frame.
    const where = cfg.wallets.where === 'page'
      ? `window.top === window && ${JSON.stringify(cfg.linkOrigins)}.includes(location.origin)`
      : `window.top === window && location.origin === ${JSON.stringify(new URL(cfg.hostURL).origin)}`;
    await context.addInitScript({
      content: `${readFileSync(cfg.wallets.bundle, 'utf8')}\n;if (${where}) window.__installTestWallets(${JSON.stringify(cfg.wallets.keys)});`,
    });
  }
  // The wallet calls of the Link UI and linkd's answers (the server's verdict, not the page's).
  result.data.walletAPI = [];
  context.on('response', async (r) => {
    const u = new URL(r.url());
    if (!u.pathname.includes('/link/api/wallet/')) return;
    const entry = { path: u.pathname.replace(/^.*\/link\/api\//, ''), status: r.status() };
    result.data.walletAPI.push(entry);
    try {
      entry.errorType = (await r.json()).errorType;
    } catch {
      // no body
    }
  });
  context.on('request', (r) => {
    const u = new URL(r.url());
    if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return;
    if (u.hostname !== '127.0.0.1' && u.hostname !== 'localhost') result.externalRequests.push(r.url());
    if (r.isNavigationRequest() && /^\/(link|pay)\/[0-9a-f-]{36}$/.test(u.pathname)) result.linkDocuments++;
    if (r.method() === 'POST' && u.pathname === '/link/api/sessions') result.redemptions++;
  });
  const main = await step('open the host page', () => newPage('main', cfg.scenario === 'blocked-origin' ? cfg.blockedHostURL : cfg.hostURL));
  await fn(main);
  result.step = 'done';
  result.ok = true;
  code = 0;
} catch (e) {
  result.error = String(e && e.message ? e.message : e).split('\n').slice(0, 12).join('\n');
  for (const [label, page] of pages) {
    if (page.isClosed()) continue;
    try {
      shotNo++;
      const file = join(artifacts, `${cfg.scenario}-${String(shotNo).padStart(2, '0')}-FAILED-${label}.png`);
      await page.screenshot({ path: file, timeout: 5000 });
      result.shots.push(file);
    } catch {
      // best effort
    }
  }
} finally {
  await collect().catch(() => {});
  // Let bindings called just before the end land.
  await new Promise((r) => setTimeout(r, 50));
  if (context) await context.close().catch(() => {});
  if (browser) await browser.close().catch(() => {});
}
process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(code));
