// linkd's Link UI: the page a link token opens (in the SDK's iframe, or as a full page
// for a payment link). It redeems the token's code once, then runs the Link session:
// the catalog (or one integration), the connection, and optionally a transfer or a
// wallet verification, reporting to the embedding page in the SDK's message format.
import { h, clear, icon } from './dom.js';
import { t, setLanguage } from './i18n.js';
import { parseLocation, forgetCode } from './params.js';
import { framed, lock, connected, post, listen } from './messaging.js';
import { configure, redeem, api } from './api.js';
import { setFormat, fiat } from './format.js';
import {
  state, nav, options, clientName, isSandbox, mountShell, setHeaderTitle, screen, button, formError, showError,
  hero, logoTile, integrationHero, busy, complete, errorScreen, sessionEnded, isSessionError, errorText,
  requestClose,
} from './core.js';
import { startTransfer, transferRequested } from './transfer.js';
import { verifyRequested, verifyScreen } from './verify.js';
import { startDiscovery, withWallets, walletHint, isWallet, selectWallet } from './walletflow.js';

// ---- boot ----

function readConfig() {
  try {
    const c = JSON.parse(document.getElementById('linkd-config').textContent);
    return c && typeof c === 'object' ? c : null;
  } catch {
    return null;
  }
}

const media = window.matchMedia ? window.matchMedia('(prefers-color-scheme: dark)') : null;

function applyTheme(theme) {
  const root = document.documentElement;
  const set = () => {
    root.dataset.theme = theme === 'system' ? (media && media.matches ? 'dark' : 'light') : theme;
  };
  set();
  if (theme === 'system' && media) media.addEventListener('change', set);
}

let loadedPosted = false;
function postLoaded() {
  if (loadedPosted) return;
  loadedPosted = true;
  post('loaded');
}

function loadingScreen(text) {
  screen('loading', {
    page: state.page,
    closable: state.session !== null,
    body: [h('div', { class: 'loading' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }),
      h('p', { class: 'loading-text', role: 'status', text: text || t('loading.session') }))],
  });
}
nav.loading = loadingScreen;

function notAllowedScreen() {
  screen('not-allowed', {
    page: 'notAllowedPage',
    closable: false,
    hero: hero('danger', 'ban'),
    title: t('notAllowed.title'),
    subtitle: t('notAllowed.message'),
  });
}

// main runs once per page load (a module runs once; a page restored from the
// back/forward cache keeps its state and does not run it again).
async function main() {
  const config = readConfig();
  const params = parseLocation();
  state.params = params;
  const lang = setLanguage(params.lng);
  document.documentElement.lang = lang;
  setFormat(params.lng && lang === params.lng.split(/[-_]/)[0].toLowerCase() ? params.lng : lang, params.fiatCur || 'USD');
  applyTheme(params.theme);
  document.title = t('doc.title');
  state.kind = config && config.kind === 'pay' ? 'pay' : 'link';
  document.documentElement.dataset.kind = state.kind;
  const isFramed = framed();
  document.documentElement.dataset.mode = isFramed ? 'framed' : 'page';
  state.embedded = isFramed && params.embedded;
  if (state.embedded) document.documentElement.dataset.embedded = 'true';
  mountShell();

  if (!config || typeof config.apiBase !== 'string') {
    errorScreen('generic');
    return;
  }
  state.config = config;
  configure(config.apiBase);

  let parent = null;
  if (isFramed) {
    // A payment page is never framed; a Link page only by an origin of its client.
    parent = state.kind === 'pay' ? null : lock(config.origins);
    if (parent === null) {
      forgetCode(params);
      notAllowedScreen();
      return;
    }
    listen({
      closeRequested: () => requestClose(),
      meshSDKSpecs: (p) => { state.sdkSpecs = p; },
      frontAccessTokens: (p) => { state.frontAccessTokens = p; },
    });
  }
  loadingScreen();
  postLoaded();
  // Browser wallets: the embedding page's over the bridge, and this window's own.
  state.walletDiscovery = startDiscovery(parent);

  if (!params.code) {
    errorScreen('missingCode');
    return;
  }
  const pending = redeem(config.clientId, state.kind, params.code);
  forgetCode(params);
  const r = await pending;
  if (!r.ok) {
    errorScreen(redeemErrorKind(r), r);
    return;
  }
  state.session = r.content;
  setHeaderTitle(state.kind === 'pay' ? t('header.pay', { client: clientName() }) : clientName());
  await start();
}

function redeemErrorKind(r) {
  const known = ['linkTokenExpired', 'linkTokenAlreadyUsed', 'linkTokenRevoked', 'linkTokenNotFound', 'clientDisabled', 'rateLimited', 'network'];
  if (known.includes(r.errorType)) return r.errorType;
  if (r.status === 404 || r.errorType === 'invalidType' || r.errorType === 'invalidJson') return 'linkTokenNotFound';
  if (r.status === 429) return 'rateLimited';
  return 'generic';
}

// start loads the catalog and opens the first screen of the session.
async function start() {
  const r = await api.integrations();
  if (!r.ok) {
    if (isSessionError(r)) sessionEnded(r);
    else errorScreen(r.errorType === 'network' ? 'network' : 'generic', r);
    return;
  }
  state.integrations = (r.content && r.content.items) || [];
  const id = String(options().integrationId || '').toLowerCase();
  if (id) {
    state.locked = true;
    const it = state.integrations.find((i) => i.id === id);
    if (!it) {
      errorScreen('integrationNotFound');
      return;
    }
    if (isWallet(it)) await state.walletDiscovery;
    selectIntegration(it);
    return;
  }
  // The catalog shows the wallets found so far; one found later redraws it.
  const settled = await Promise.race([state.walletDiscovery.then(() => true), new Promise((r2) => setTimeout(() => r2(false), 1200))]);
  catalogScreen();
  if (!settled) state.walletDiscovery.then(() => { if (state.screen === 'catalog') catalogScreen(); });
}

// ---- catalog ----

const CATEGORY_ORDER = ['exchange', 'brokerage', 'deFiWallet', 'wallet', 'bank', 'nftMarketplace'];

function normalize(s) {
  return String(s || '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

// catalogItems: in a wallet verification, the wallets (the Sandbox signs as one); the
// browser's wallets available, and those the catalog does not know added.
function catalogItems() {
  const items = withWallets(state.integrations);
  if (verifyRequested()) return items.filter((i) => i.signer || i.type === 'deFiWallet');
  return items;
}

let catalogQuery = '';
let catalogCategory = 'all';

function catalogScreen() {
  const items = catalogItems();
  const counts = new Map();
  for (const it of items) for (const c of it.categories || []) counts.set(c, (counts.get(c) || 0) + 1);
  const cats = [...counts.keys()].sort((a, b) => {
    const ia = CATEGORY_ORDER.indexOf(a);
    const ib = CATEGORY_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || counts.get(b) - counts.get(a);
  });
  if (catalogCategory !== 'all' && !counts.has(catalogCategory)) catalogCategory = 'all';

  const list = h('div', { class: 'catalog-list' });
  const search = h('input', {
    type: 'search', class: 'input input-search', testid: 'catalog-search', id: 'catalog-search',
    placeholder: t('catalog.search'), 'aria-label': t('catalog.search'), autocomplete: 'off', spellcheck: 'false',
    value: catalogQuery,
  });
  const chips = cats.length > 1 && !verifyRequested()
    ? h('div', { class: 'chips', role: 'group', 'aria-label': t('catalog.categories') },
      ['all', ...cats].map((c) => h('button', {
        type: 'button', class: 'chip', testid: `category-${c}`, 'aria-pressed': String(c === catalogCategory),
        onclick: (e) => {
          catalogCategory = c;
          for (const b of e.currentTarget.parentElement.children) b.setAttribute('aria-pressed', String(b === e.currentTarget));
          render();
        },
      }, c === 'all' ? t('category.all') : categoryLabel(c))))
    : null;

  function render() {
    clear(list);
    const q = normalize(catalogQuery.trim());
    const shown = items.filter((it) => (catalogCategory === 'all' || (it.categories || []).includes(catalogCategory)) &&
      (!q || normalize(it.name).includes(q) || normalize(it.type).includes(q)));
    const reachable = shown.filter((it) => it.available);
    const others = shown.filter((it) => !it.available);
    if (shown.length === 0) {
      list.append(h('p', { class: 'empty', role: 'status', testid: 'catalog-empty' }, t('catalog.empty', { query: catalogQuery.trim() })));
      return;
    }
    if (reachable.length) {
      list.append(h('h2', { class: 'section-label' }, t('catalog.available')),
        h('ul', { class: 'rows', role: 'list' }, reachable.map((it) => h('li', null, integrationRow(it)))));
    }
    if (others.length) {
      list.append(h('h2', { class: 'section-label' }, t('catalog.unavailable')),
        h('ul', { class: 'rows', role: 'list' }, others.map((it) => h('li', null, integrationRow(it)))));
    }
  }

  search.addEventListener('input', () => {
    catalogQuery = search.value;
    render();
  });
  render();

  const verify = verifyRequested();
  const pay = state.kind === 'pay';
  let title = t('catalog.title');
  let subtitle = t('catalog.consent', { client: clientName() });
  if (verify) {
    title = t('catalog.verifyTitle');
    subtitle = t('catalog.verifyConsent', { client: clientName() });
  } else if (pay) {
    title = t('catalog.payTitle', { client: clientName() });
    subtitle = t('catalog.payConsent');
  } else if (transferRequested()) {
    title = t('catalog.transferTitle');
  }
  screen('catalog', {
    page: 'catalogPage',
    title,
    subtitle,
    hero: pay ? payAmountLine() : null,
    body: [
      h('div', { class: 'search' }, icon('search', 'icon icon-sm search-icon'), search),
      chips,
      walletHint(items),
      list,
    ],
  });
}

function payAmountLine() {
  const tr = options().transferOptions || {};
  const dests = tr.toAddresses || [];
  let text = '';
  if (tr.amountInFiat > 0) text = fiat(tr.amountInFiat);
  else if (dests.length === 1 && dests[0].amount > 0) text = `${dests[0].amount} ${dests[0].symbol}`;
  if (!text && !tr.description) return null;
  return h('div', { class: 'pay-amount' },
    text ? h('div', { class: 'pay-amount-value', testid: 'pay-amount', text }) : null,
    tr.description ? h('div', { class: 'pay-amount-desc', text: tr.description }) : null);
}

function categoryLabel(c, prefix = 'category') {
  const key = `${prefix}.${c}`;
  const s = t(key);
  return s === key ? c : s;
}

function integrationTestId(it) {
  if (it.foundWallet) return `integration-deFiWallet-found-${it.foundWallet.kind}-${it.foundWallet.name.replace(/[^A-Za-z0-9]+/g, '-')}`;
  return it.type === 'deFiWallet' ? `integration-deFiWallet-${it.deFiWalletProviderId || 'other'}` : `integration-${it.type}`;
}

function integrationRow(it) {
  let sub = isSandbox(it) ? t('catalog.sandboxSub') : categoryLabel((it.categories || [])[0] || '', 'kind');
  if (isWallet(it) && it.available) sub = t('wallet.detected');
  return h('button', {
    type: 'button', class: `row${it.available ? '' : ' row-muted'}`, testid: integrationTestId(it),
    onclick: () => {
      state.userSearched = catalogQuery.trim() !== '';
      selectIntegration(it);
    },
  },
  logoTile(it, 'md'),
  h('span', { class: 'row-main' },
    h('span', { class: 'row-title' }, it.name),
    h('span', { class: 'row-sub' }, sub)),
  icon('chevron', 'icon icon-sm row-chevron'));
}

// ---- choosing an integration ----

function selectIntegration(it) {
  state.integration = it;
  state.wallet = null;
  state.connectedWallet = null;
  post('integrationSelected', { integrationType: it.type, integrationName: it.name, userSearched: state.userSearched });
  if (isWallet(it)) {
    selectWallet(it);
    return;
  }
  if (!it.available || (verifyRequested() && !it.signer)) {
    unavailable(it);
    return;
  }
  if (verifyRequested()) {
    verifyScreen();
    return;
  }
  if (it.auth !== 'credentials' && it.auth !== 'apiKey') {
    unavailable(it);
    return;
  }
  credentialsScreen();
}

function backToCatalog() {
  return state.locked ? null : () => { resetConnection(); catalogScreen(); };
}

function resetConnection() {
  state.integration = null;
  state.wallet = null;
  state.connectedWallet = null;
  state.connection = null;
  state.userSearched = false;
}

// unavailable explains that an integration cannot be used here; message replaces the
// self-hosting explanation (a wallet this browser does not have, a network linkd cannot
// verify).
function unavailable(it, message, note = 'unavailable.note') {
  post('connectionUnavailable', { integrationType: it.type, integrationName: it.name, reason: 'integrationUnavailable' });
  const actions = [];
  if (!state.locked) actions.push(button(t('unavailable.chooseAnother'), { testid: 'button-choose-another', onclick: backToCatalog() }));
  else if (connected()) actions.push(button(t('action.close'), { testid: 'button-exit', onclick: () => requestClose() }));
  screen('unavailable', {
    page: 'connectionUnavailablePage',
    back: backToCatalog(),
    hero: h('div', { class: 'integration-hero' }, logoTile(it, 'lg'), h('span', { class: 'hero-mark hero-mark-warn' }, icon('minus', 'icon icon-xs'))),
    title: t('unavailable.title', { name: it.name }),
    subtitle: message || t('unavailable.message', { name: it.name }),
    subtitleTestid: 'unavailable-message',
    body: [h('div', { class: 'note' }, icon('info', 'icon icon-sm'), h('span', null, t(note)))],
    actions,
  });
}
nav.unavailable = unavailable;

// ---- credentials ----

function credentialsScreen(initialError) {
  const it = state.integration;
  const apiKeyOnly = it.auth === 'apiKey';
  let useKey = apiKeyOnly;
  const err = formError();
  const user = h('input', { class: 'input', id: 'in-user', testid: 'input-username', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true });
  const pass = h('input', { class: 'input', id: 'in-pass', type: 'password', testid: 'input-password', autocomplete: 'current-password', required: true });
  const key = h('input', { class: 'input', id: 'in-key', testid: 'input-api-key', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', required: true });
  const secret = h('input', { class: 'input', id: 'in-secret', type: 'password', testid: 'input-api-secret', autocomplete: 'off', required: true });
  const credFields = h('div', { class: 'fields' }, field('in-user', t('credentials.username'), user), field('in-pass', t('credentials.password'), pass));
  const keyFields = h('div', { class: 'fields' }, field('in-key', t('credentials.apiKey'), key), field('in-secret', t('credentials.apiSecret'), secret));
  const toggle = it.apiKey && !apiKeyOnly
    ? h('button', { type: 'button', class: 'link-btn', testid: 'toggle-api-key', 'aria-pressed': 'false', onclick: () => { useKey = !useKey; sync(); (useKey ? key : user).focus(); } })
    : null;
  const connectBtn = button(t('credentials.connect'), { testid: 'button-connect', type: 'submit', form: 'credentials-form' });
  const form = h('form', { class: 'form', id: 'credentials-form', novalidate: true },
    credFields, keyFields, toggle, err);
  function sync() {
    credFields.hidden = useKey;
    keyFields.hidden = !useKey;
    if (toggle) {
      toggle.textContent = useKey ? t('credentials.usePassword') : t('credentials.useApiKey');
      toggle.setAttribute('aria-pressed', String(useKey));
    }
  }
  sync();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });

  function submit() {
    const body = { integrationId: it.id };
    if (useKey) {
      if (!key.value.trim() || !secret.value) {
        showError(err, t('credentials.missingKey'));
        (key.value.trim() ? secret : key).focus();
        return;
      }
      body.apiKey = key.value.trim();
      body.apiSecret = secret.value;
    } else {
      if (!user.value.trim() || !pass.value) {
        showError(err, t('credentials.missing'));
        (user.value.trim() ? pass : user).focus();
        return;
      }
      body.username = user.value.trim();
      body.password = pass.value;
    }
    busy(connectBtn, async () => {
      showError(err, '');
      post('credentialsEntered');
      const r = await api.connect(body);
      if (r.ok) {
        step(r.content);
        return;
      }
      if (isSessionError(r)) {
        sessionEnded(r);
        return;
      }
      if (r.errorType === 'integrationUnavailable') {
        unavailable(it);
        return;
      }
      let key2 = 'form.generic';
      if (r.errorType === 'invalidIntegrationCredentials') key2 = useKey ? 'credentials.wrongKey' : 'credentials.wrong';
      else if (r.errorType === 'institutionError') key2 = 'credentials.institution';
      else if (r.errorType === 'integrationUnavailableInJurisdiction') key2 = 'credentials.jurisdiction';
      else if (r.errorType === 'rateLimited' || r.status === 429) key2 = 'form.rateLimited';
      const e2 = errorText(r, key2, { name: it.name });
      post('integrationConnectionError', { errorMessage: e2.errorMessage, errorType: e2.errorType });
      showError(err, e2.text);
      pass.value = '';
      secret.value = '';
    }).then(() => {
      if (!err.hidden && form.isConnected) (useKey ? key : (user.value ? pass : user)).focus();
    });
  }

  const hint = isSandbox(it) ? sandboxHint(it) : null;
  screen('credentials', {
    page: 'integrationLoginPage',
    back: backToCatalog(),
    hero: integrationHero(it),
    title: t('credentials.title', { name: it.name }),
    subtitle: t('credentials.consent', { name: it.name, client: clientName() }),
    body: [form, hint],
    actions: [connectBtn],
    focus: useKey ? key : user,
  });
  if (initialError) showError(err, initialError);
}

function field(id, label, input) {
  return h('div', { class: 'field' }, h('label', { class: 'label', for: id }, label), input);
}

function sandboxHint(it) {
  const rows = [
    ['user_good', 'pass_good', t('hint.success')],
    ['user_mfa', 'pass_good', t('hint.mfa', { code: '123456' })],
    [t('hint.anyUser'), t('hint.wrongPassword'), t('hint.wrongResult')],
    ['user_error', 'pass_good', t('hint.institution')],
  ];
  if (it.apiKey) rows.push(['sandbox_api_key', 'sandbox_api_secret', t('hint.apiKey')]);
  return h('details', { class: 'hint', testid: 'sandbox-hint' },
    h('summary', { class: 'hint-summary' }, icon('key', 'icon icon-sm'), h('span', null, t('hint.title')), icon('chevron', 'icon icon-xs hint-chevron')),
    h('dl', { class: 'hint-list' }, rows.map(([u, p, what]) => h('div', { class: 'hint-row' },
      h('dt', null, h('code', null, u), h('span', { class: 'hint-sep', 'aria-hidden': 'true' }, ' / '), h('code', null, p)),
      h('dd', null, what)))));
}

// step moves on after a connection step: a second factor, or the accounts.
function step(c) {
  state.connection = { id: c.connectionId, challenge: c.challenge || null };
  if (c.status === 'mfa') {
    post('integrationMfaRequired');
    mfaScreen();
  } else if (c.status === 'accounts') {
    post('integrationAccountSelectionRequired');
    accountsScreen(c.accounts || []);
  } else {
    errorScreen('generic');
  }
}

// ---- second factor ----

function mfaScreen() {
  const it = state.integration;
  const err = formError();
  const code = h('input', {
    class: 'input input-code', id: 'in-code', testid: 'input-mfa-code', inputmode: 'numeric', autocomplete: 'one-time-code',
    maxlength: '12', spellcheck: 'false',
  });
  const verifyBtn = button(t('mfa.verify'), { testid: 'button-verify-code', type: 'submit', form: 'mfa-form' });
  const form = h('form', { class: 'form', id: 'mfa-form', novalidate: true }, field('in-code', t('mfa.label'), code), err);
  const submit = (e) => {
    e.preventDefault();
    const v = code.value.trim();
    if (!v) {
      showError(err, t('mfa.missing'));
      code.focus();
      return;
    }
    busy(verifyBtn, async () => {
      showError(err, '');
      post('integrationMfaEntered');
      const r = await api.mfa(state.connection.id, v);
      if (r.ok) {
        step(r.content);
        return;
      }
      if (isSessionError(r)) {
        sessionEnded(r);
        return;
      }
      if (r.errorType === 'tooManyAttempts') {
        const e2 = errorText(r, 'mfa.tooMany');
        post('integrationConnectionError', { errorMessage: e2.errorMessage, errorType: e2.errorType });
        credentialsScreen(e2.text);
        return;
      }
      const e2 = errorText(r, r.errorType === 'invalidMfaCode' ? 'mfa.wrong' : 'form.generic', { name: it.name });
      if (r.errorType !== 'invalidMfaCode') post('integrationConnectionError', { errorMessage: e2.errorMessage, errorType: e2.errorType });
      showError(err, e2.text);
      code.value = '';
    }).then(() => { if (!err.hidden && code.isConnected) code.focus(); });
  };
  form.addEventListener('submit', submit);
  const prompt = state.connection.challenge && state.connection.challenge.prompt;
  screen('mfa', {
    page: 'integrationMfaPage',
    back: () => credentialsScreen(),
    hero: integrationHero(it),
    title: t('mfa.title'),
    subtitle: prompt || t('mfa.subtitle', { name: it.name }),
    body: [form],
    actions: [verifyBtn],
    focus: code,
  });
}

// ---- accounts ----

function accountsScreen(accounts) {
  const it = state.integration;
  const err = formError();
  const boxes = accounts.map((a, i) => h('input', {
    type: 'checkbox', class: 'check', id: `acct-${i}`, testid: `account-${a.accountId}`, value: a.accountId, checked: i === 0,
  }));
  const continueBtn = button(t('accounts.continue'), { testid: 'button-accounts-continue' });
  const sync = () => { continueBtn.disabled = !boxes.some((b) => b.checked); };
  boxes.forEach((b) => b.addEventListener('change', sync));
  sync();
  const list = h('ul', { class: 'rows rows-card', role: 'list' }, accounts.map((a, i) => h('li', null,
    h('label', { class: 'row row-check', for: `acct-${i}` },
      boxes[i],
      h('span', { class: 'row-main' },
        h('span', { class: 'row-title' }, a.accountName),
        h('span', { class: 'row-sub' }, t('accounts.cash', { amount: fiat(a.cash) }))),
      h('span', { class: 'row-value' }, fiat(a.fund))))));
  continueBtn.addEventListener('click', () => {
    const ids = boxes.filter((b) => b.checked).map((b) => b.value);
    if (!ids.length) return;
    busy(continueBtn, async () => {
      showError(err, '');
      const r = await api.selectAccounts(state.connection.id, ids);
      if (!r.ok) {
        if (isSessionError(r)) {
          sessionEnded(r);
          return;
        }
        const e2 = errorText(r, 'form.generic');
        post('integrationConnectionError', { errorMessage: e2.errorMessage, errorType: e2.errorType });
        showError(err, e2.text);
        return;
      }
      state.access = r.content.accessToken;
      state.accounts = r.content.accounts || [];
      post('brokerageAccountAccessToken', r.content.accessToken);
      if (transferRequested()) startTransfer();
      else successScreen();
    });
  });
  screen('accounts', {
    page: 'accountSelectionPage',
    hero: integrationHero(it),
    title: t('accounts.title'),
    subtitle: t('accounts.subtitle', { client: clientName() }),
    body: [h('fieldset', { class: 'fieldset' }, h('legend', { class: 'visually-hidden' }, t('accounts.title')), list), err],
    actions: [continueBtn],
  });
}

// ---- connected ----

function successScreen() {
  const it = state.integration;
  const accounts = (state.access && state.access.accountTokens) || [];
  const linkAnother = options().restrictMultipleAccounts
    ? null
    : button(t('success.linkAnother'), { testid: 'button-link-another', variant: 'secondary', onclick: linkAnotherAccount });
  screen('success', {
    page: 'integrationConnectedPage',
    hero: h('div', { class: 'integration-hero' }, logoTile(it, 'lg'), h('span', { class: 'hero-mark hero-mark-ok' }, icon('check', 'icon icon-xs'))),
    title: t(accounts.length > 1 ? 'success.titleMany' : 'success.title'),
    subtitle: t(accounts.length > 1 ? 'success.subtitleMany' : 'success.subtitle', { name: it.name, client: clientName(), count: accounts.length }),
    body: [h('ul', { class: 'rows rows-card', role: 'list' }, accounts.map((a) => h('li', null,
      h('div', { class: 'row row-static' },
        h('span', { class: 'row-icon row-icon-ok' }, icon('check', 'icon icon-sm')),
        h('span', { class: 'row-main' }, h('span', { class: 'row-title' }, a.account.accountName),
          h('span', { class: 'row-sub' }, t('accounts.cash', { amount: fiat(a.account.cash) }))),
        h('span', { class: 'row-value' }, fiat(a.account.fund))))))],
    actions: [button(t('action.continue'), { testid: 'button-continue', onclick: complete }), linkAnother],
  });
}

function linkAnotherAccount() {
  state.access = null;
  state.accounts = [];
  state.transfer = null;
  state.connection = null;
  if (state.locked) {
    selectIntegration(state.integration);
    return;
  }
  resetConnection();
  catalogQuery = '';
  catalogCategory = 'all';
  catalogScreen();
}
nav.linkAnother = linkAnotherAccount;
nav.canLinkAnother = () => !options().restrictMultipleAccounts;
nav.backToCatalog = backToCatalog;

// A page restored from the back/forward cache keeps its module state (the redemption
// promise in api.js included) and does not run main() again: the code is redeemed once.
main().catch((e) => {
  console.error(e);
  errorScreen('generic');
});
