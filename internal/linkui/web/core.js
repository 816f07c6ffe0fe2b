// Shared state and the building blocks of every screen: the shell (header, main area,
// footer), screen rendering, buttons, in-flight guards, the session summary and the
// error screens.
import { h, clear, icon, nextId } from './dom.js';
import { t, tEn } from './i18n.js';
import { post, connected } from './messaging.js';

export const state = {
  config: null,
  params: null,
  kind: 'link', // link | pay
  embedded: false,
  session: null, // {kind, expiresAt, client: {name, origins}, options}
  integrations: [],
  integration: null, // the chosen catalog entry
  locked: false, // the link token named the integration: no catalog
  userSearched: false,
  connection: null, // {id, challenge}
  access: null, // the AccessTokenPayload posted in brokerageAccountAccessToken
  accounts: [], // the connected accounts (with holdings)
  transfer: null, // SessionSummary.transfer
  page: 'startPage',
  screen: 'loading',
  ended: false,
  sdkSpecs: null, // meshSDKSpecs from the SDK
  frontAccessTokens: null, // frontAccessTokens from the SDK
  walletDiscovery: null, // a promise of the browser wallets found (walletflow.js)
  wallets: [], // the browser wallets found: wallets.js descriptors
  wallet: null, // the browser wallet chosen
  connectedWallet: null, // {address, chainId, network} once it connected
};

// nav holds the flows' entry points (set by app.js) so that modules can move between
// flows without importing each other.
export const nav = {};

export function options() {
  return (state.session && state.session.options) || {};
}

export function clientName() {
  return (state.session && state.session.client && state.session.client.name) || '';
}

export function isSandbox(it) {
  return !!it && it.type === 'sandbox';
}

// ---- shell ----

const els = {};
let backHandler = null;

export function mountShell() {
  const root = document.getElementById('app');
  clear(root);
  els.back = h('button', {
    type: 'button', class: 'icon-btn', testid: 'button-back', 'aria-label': t('a11y.back'), hidden: true,
    onclick: () => backHandler && !inFlight && backHandler(),
  }, icon('back'));
  els.close = h('button', {
    type: 'button', class: 'icon-btn', testid: 'button-close', 'aria-label': t('a11y.close'), hidden: true,
    onclick: () => !inFlight && requestClose(),
  }, icon('close'));
  els.title = h('div', { class: 'topbar-title' });
  els.main = h('main', { class: 'main', id: 'main' });
  const header = h('header', { class: 'topbar' },
    h('div', { class: 'topbar-side' }, els.back),
    els.title,
    h('div', { class: 'topbar-side topbar-end' }, els.close));
  const footer = h('footer', { class: 'footer' },
    icon('lock', 'icon icon-xs'),
    h('span', { text: t('footer.secured', { brand: 'linkd' }) }));
  els.card = h('div', { class: 'card' }, header, els.main, footer);
  root.append(els.card);
}

export function setHeaderTitle(text) {
  els.title.textContent = text || '';
}

// ---- screens ----

// screen renders one screen: a <section data-screen=name> with a scrolling body and
// actions pinned at the bottom. back: a function (shows the header's back button);
// closable: whether the header's × may show (it never does in embedded or full-page
// mode).
export function screen(name, { page, back = null, closable = true, hero = null, title = '', subtitle = null, subtitleTestid = null, body = [], actions = [], focus = null, error = null }) {
  const headingId = nextId('title');
  const heading = title ? h('h1', { class: 'title', id: headingId, tabindex: '-1', testid: `${name}-title` }, title) : null;
  const sec = h('section', { class: `screen screen-${name}`, screen: name, 'aria-labelledby': heading ? headingId : null },
    h('div', { class: 'screen-body' },
      hero || heading || subtitle ? h('div', { class: `screen-head${hero ? ' has-hero' : ''}` },
        hero,
        heading,
        subtitle ? h('p', { class: 'subtitle', testid: subtitleTestid }, subtitle) : null) : null,
      error,
      body),
    actions.length ? h('div', { class: 'screen-actions' }, actions) : null);
  clear(els.main);
  els.main.append(sec);
  els.main.scrollTop = 0;
  state.page = page;
  state.screen = name;
  backHandler = back;
  els.back.hidden = !back;
  els.close.hidden = !(closable && connected() && !state.embedded && !state.ended);
  const target = focus || heading;
  if (target && document.hasFocus()) target.focus({ preventScroll: true });
  return sec;
}

export function button(label, { testid, variant = 'primary', onclick, type = 'button', form = null, disabled = false, hidden = false } = {}) {
  return h('button', { type, form, class: `btn btn-${variant}`, testid, onclick, disabled, hidden },
    h('span', { class: 'btn-label' }, label));
}

// formError is the aria-live line a screen shows its errors in.
export function formError() {
  return h('p', { class: 'form-error', role: 'alert', testid: 'form-error', hidden: true });
}

export function showError(el, text) {
  if (!el) return;
  clear(el);
  if (text) {
    el.append(icon('alert', 'icon icon-sm'), h('span', { text }));
    el.hidden = false;
  } else {
    el.hidden = true;
  }
}

// hero is the round icon or logo tile at the top of a screen.
export function hero(kind, iconName) {
  return h('div', { class: `hero hero-${kind}` }, icon(iconName, 'icon icon-lg'));
}

export function initials(name) {
  const words = String(name || '?').replace(/[^\p{L}\p{N} ]/gu, ' ').trim().split(/\s+/);
  return (words.length > 1 ? words[0][0] + words[1][0] : (words[0] || '?').slice(0, 2)).toUpperCase();
}

// logoTile shows an integration's logo (light and dark variants; CSS shows the one of the
// theme) over its initials, which remain if the image fails.
export function logoTile(it, size = 'md') {
  const tile = h('span', { class: `logo-tile logo-${size}`, 'aria-hidden': 'true' },
    h('span', { class: 'logo-mono', text: initials(it.name) }));
  for (const [url, cls] of [[it.logoLightUrl, 'logo-light'], [it.logoDarkUrl || it.logoLightUrl, 'logo-dark']]) {
    if (!url) continue;
    const img = h('img', { class: `logo-img ${cls}`, src: url, alt: '', loading: 'lazy', decoding: 'async', referrerpolicy: 'no-referrer' });
    img.addEventListener('error', () => img.remove());
    tile.append(img);
  }
  return tile;
}

export function sandboxBadge() {
  return h('span', { class: 'badge badge-sandbox', testid: 'badge-sandbox' }, t('badge.sandbox'));
}

// integrationHero: the logo tile of the integration with its name and Sandbox badge.
export function integrationHero(it) {
  return h('div', { class: 'integration-hero' },
    logoTile(it, 'lg'),
    isSandbox(it) ? sandboxBadge() : null);
}

// ---- requests in flight ----

let inFlight = false;

export function busyNow() {
  return inFlight;
}

// busy runs fn with the screen's controls disabled and the button showing progress, and
// refuses to start while another request is in flight (no double submits).
export async function busy(btn, fn) {
  if (inFlight) return undefined;
  inFlight = true;
  const scope = (btn && btn.closest('section')) || els.main;
  const controls = [...scope.querySelectorAll('button, input, select, textarea')];
  const was = controls.map((c) => c.disabled);
  controls.forEach((c) => { c.disabled = true; });
  els.back.disabled = true;
  els.close.disabled = true;
  if (btn) {
    btn.classList.add('is-loading');
    btn.setAttribute('aria-busy', 'true');
  }
  try {
    return await fn();
  } finally {
    inFlight = false;
    els.back.disabled = false;
    els.close.disabled = false;
    if (btn) {
      btn.classList.remove('is-loading');
      btn.removeAttribute('aria-busy');
    }
    controls.forEach((c, i) => { c.disabled = was[i]; });
  }
}

// ---- the session summary, done and close ----

export function summary(extra) {
  const s = { page: state.page };
  const it = state.integration;
  if (it) s.selectedIntegration = { id: it.id, name: it.name, integrationType: it.type, integrationName: it.name };
  if (state.transfer) s.transfer = { ...state.transfer };
  return Object.assign(s, extra || {});
}

// finish posts done or close with the session summary, once. It reports whether a
// message went out (false in full-page mode, where nobody listens).
export function finish(type, extra) {
  if (state.ended || !connected()) return false;
  state.ended = true;
  els.close.hidden = true;
  return post(type, summary(extra));
}

// requestClose answers the header's × and the SDK's closeRequested: close, with the
// error's errorMessage and errorType when an error screen is showing.
export function requestClose() {
  return finish('close', state.screen === 'error' && state.errorMessage
    ? { errorMessage: state.errorMessage, errorType: state.errorType } : undefined);
}

// complete ends a successful session: posts done (framed) and shows the final screen.
export function complete() {
  finish('done');
  finishedScreen();
}

export function finishedScreen() {
  screen('finished', {
    page: state.page,
    closable: false,
    hero: hero('success', 'check'),
    title: t('finished.title'),
    subtitle: connected() ? t('finished.framed') : t('finished.page'),
  });
}

// ---- errors ----

// ERRORS: the error screens, by kind (an API errorType or one of the page's own).
const ERRORS = {
  linkTokenExpired: { icon: 'clock', key: 'expired' },
  linkTokenAlreadyUsed: { icon: 'ban', key: 'used' },
  linkTokenRevoked: { icon: 'ban', key: 'revoked' },
  linkTokenNotFound: { icon: 'unplug', key: 'notFound' },
  missingCode: { icon: 'unplug', key: 'missingCode' },
  sessionExpired: { icon: 'clock', key: 'session' },
  sessionRevoked: { icon: 'ban', key: 'reopened' },
  sessionRevokedByOperator: { icon: 'ban', key: 'revoked' },
  sessionInvalid: { icon: 'clock', key: 'session' },
  clientDisabled: { icon: 'ban', key: 'disabled' },
  rateLimited: { icon: 'clock', key: 'rateLimited' },
  network: { icon: 'unplug', key: 'network' },
  integrationUnavailableInJurisdiction: { icon: 'ban', key: 'jurisdiction' },
  integrationNotFound: { icon: 'alert', key: 'integration' },
  transferConfigure: { icon: 'alert', key: 'transferConfigure' },
  generic: { icon: 'alert', key: 'generic' },
};

// SESSION_END are the errorTypes of an answer that ends the Link session, each with its
// own screen (sessionRevokedByOperator: the app's operator cancelled the link, not a
// reuse of it).
const SESSION_END = ['sessionExpired', 'sessionRevoked', 'sessionRevokedByOperator', 'sessionInvalid'];

export function isSessionError(r) {
  return r && (r.status === 401 || SESSION_END.includes(r.errorType) || r.errorType === 'clientDisabled');
}

// PAGE_ERROR_TYPES are the errorTypes of error screens no API answer explains (the
// page's own: internal/problem PageTypes, or the API's name for the same thing).
const PAGE_ERROR_TYPES = Object.freeze({
  missingCode: 'linkCodeMissing',
  network: 'networkError',
  integrationNotFound: 'integrationNotFound',
  generic: 'internalError',
});

// errorTypeOf is the errorType a failure reports to the host (the close payload, the
// *Error events): the API answer's own, networkError when linkd could not be reached or
// the answer was not linkd's (a proxy's error page), else the page's own for kind.
export function errorTypeOf(kind, r) {
  if (r && r.errorType && r.errorType !== 'network' && !/^http\d+$/.test(r.errorType)) return r.errorType;
  if (r) return PAGE_ERROR_TYPES.network;
  return PAGE_ERROR_TYPES[kind] || PAGE_ERROR_TYPES.generic;
}

// errorScreen shows an error that ends the session. Framed, its Close button posts close
// with errorMessage (the server's displayMessage when it has one, else the English text)
// and errorType (errorTypeOf), so that the host's onExit can branch on what happened.
export function errorScreen(kind, r) {
  const e = ERRORS[kind] || ERRORS.generic;
  const errorMessage = (r && r.displayMessage) || tEn(`error.${e.key}.message`);
  const errorType = errorTypeOf(kind, r);
  const closeBtn = button(t('action.close'), {
    testid: 'button-exit',
    variant: 'primary',
    onclick: () => {
      if (finish('close', { errorMessage, errorType })) closeBtn.disabled = true;
    },
  });
  const sec = screen('error', {
    page: 'errorPage',
    closable: true,
    hero: hero('danger', e.icon),
    title: t(`error.${e.key}.title`),
    subtitle: t(`error.${e.key}.message`),
    subtitleTestid: 'error-message',
    actions: connected() && !state.ended ? [closeBtn] : [],
  });
  sec.dataset.error = kind in ERRORS ? kind : 'generic';
  // The header's × and the SDK's closeRequested close with the same errorMessage.
  state.errorMessage = errorMessage;
  state.errorType = errorType;
  return sec;
}

// sessionEnded handles an API answer that means the session is over.
export function sessionEnded(r) {
  if (r.errorType === 'clientDisabled') return errorScreen('clientDisabled', r);
  return errorScreen(SESSION_END.includes(r.errorType) ? r.errorType : 'sessionInvalid', r);
}

// errorText is what a failed call shows the user (text, in the page's language) and what
// the host's *Error event gets: errorMessage, the same words in English (an end user may
// be shown them; the envelope's message, for developers, is in the browser's network
// log), and errorType (errorTypeOf).
export function errorText(r, key, vars) {
  const k = r && (r.errorType === 'network' || /^http\d+$/.test(r.errorType || '')) ? 'form.network' : key;
  return { text: t(k, vars), errorMessage: tEn(k, vars), errorType: errorTypeOf('generic', r) };
}
