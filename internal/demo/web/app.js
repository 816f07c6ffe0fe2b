// linkd demo host page: what a fintech's page does with Mesh's web SDK, using linkd's
// own script. On your page, the import is one of:
//   import { createLink } from '@meshconnect/web-link-sdk';
//   import { createLink } from 'https://linkd.example/sdk/link.js';
// (here the relative path resolves to this linkd's /sdk/link.js).
import { createLink } from '../../sdk/link.js';

const $ = (id) => document.getElementById(id);
const body = document.body;
const EMBED_IFRAME_ID = 'link-iframe';

// ---- Options (kept across reloads) ----

const defaults = { theme: 'light', language: 'en', renderType: 'overlay' };
const options = { ...defaults };
try {
  Object.assign(options, JSON.parse(localStorage.getItem('linkd-demo-options') || '{}'));
} catch {
  // ignore a corrupt entry
}

function applyOptions() {
  document.documentElement.dataset.theme = options.theme;
  for (const group of document.querySelectorAll('.segmented')) {
    const value = options[group.dataset.option];
    for (const b of group.querySelectorAll('button')) {
      const on = b.dataset.value === value;
      b.setAttribute('aria-checked', String(on));
      b.tabIndex = on ? 0 : -1;
    }
  }
  const embedded = options.renderType === 'embedded';
  $('embed').hidden = !embedded;
  $('layout').classList.toggle('with-embed', embedded);
  try {
    localStorage.setItem('linkd-demo-options', JSON.stringify(options));
  } catch {
    // storage may be disabled
  }
}

for (const group of document.querySelectorAll('.segmented')) {
  group.addEventListener('click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    options[group.dataset.option] = b.dataset.value;
    applyOptions();
  });
  group.addEventListener('keydown', (e) => {
    if (!['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown'].includes(e.key)) return;
    const buttons = [...group.querySelectorAll('button')];
    const i = buttons.findIndex((b) => b.getAttribute('aria-checked') === 'true');
    const next = buttons[(i + (e.key === 'ArrowLeft' || e.key === 'ArrowUp' ? buttons.length - 1 : 1)) % buttons.length];
    options[group.dataset.option] = next.dataset.value;
    applyOptions();
    next.focus();
    e.preventDefault();
  });
}

// ---- Callback log ----

let count = 0;

// json renders a value as pretty JSON with highlighted tokens (DOM nodes, never HTML).
function json(value) {
  const pre = document.createElement('pre');
  const text = JSON.stringify(value, null, 2) ?? 'undefined';
  const re = /("(?:\\.|[^"\\])*")(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    pre.append(text.slice(last, m.index));
    const span = document.createElement('span');
    if (m[1] && m[2]) {
      span.className = 'j-key';
      span.textContent = m[1];
      pre.append(span, m[2]);
    } else {
      span.className = m[1] ? 'j-str' : m[3] ? 'j-lit' : 'j-num';
      span.textContent = m[0];
      pre.append(span);
    }
    last = m.index + m[0].length;
  }
  pre.append(text.slice(last));
  return pre;
}

function log(kind, title, data, badge) {
  const li = document.createElement('li');
  li.className = 'entry';
  const head = document.createElement(data === undefined ? 'div' : 'summary');
  head.className = 'entry-head';
  const time = document.createElement('span');
  time.className = 'entry-time';
  time.textContent = new Date().toLocaleTimeString([], { hour12: false });
  const k = document.createElement('span');
  k.className = `entry-kind kind-${kind}`;
  k.textContent = kind;
  const t = document.createElement('span');
  t.className = 'entry-title';
  t.textContent = title;
  head.append(time, k, t);
  if (badge) head.append(badge);
  if (data === undefined) {
    li.append(head);
  } else {
    // Payloads are open, except long onEvent ones (integrationConnected repeats what
    // onIntegrationConnected shows): click the line to see them.
    const pre = json(data);
    const lines = pre.textContent.split('\n').length;
    const details = document.createElement('details');
    details.open = kind !== 'onEvent' || lines <= 12;
    const size = document.createElement('span');
    size.className = 'entry-size';
    size.textContent = `${lines} lines`;
    head.append(size);
    details.append(head, pre);
    li.append(details);
  }
  const list = $('log');
  list.append(li);
  list.scrollTop = list.scrollHeight;
  $('log-empty').hidden = true;
  $('log-count').textContent = String(++count);
}

$('log-clear').addEventListener('click', () => {
  $('log').replaceChildren();
  $('log-empty').hidden = false;
  count = 0;
  $('log-count').textContent = '0';
});

// ---- The mock account: linked accounts and balance ----

const linked = new Map();
let balance = 0;
// Deposits the browser reported (onTransferFinished), by transfer id, until the backend's
// webhook says how they ended: the page never credits money on the browser's word.
const pending = new Map();

function usd(v) {
  return v.toLocaleString('en-US', { style: 'currency', currency: 'USD' });
}

function renderAccount() {
  $('balance').textContent = usd(balance);
  const owed = [...pending.values()].reduce((a, b) => a + b, 0);
  $('pending').textContent = pending.size === 0 ? 'Nothing pending' : `${usd(owed)} pending: waiting for the webhook`;
  const n = linked.size;
  const text = n === 0 ? 'No linked accounts' : `${n} linked account${n > 1 ? 's' : ''}: ${[...linked.values()].join(', ')}`;
  $('linked-count').textContent = text;
  $('linked-count').title = text;
}

// ---- Embedded mode: the page's own iframe ----

function resetEmbed() {
  $('embed-slot').querySelector('iframe')?.remove();
  $('embed-empty').hidden = false;
  $('embed-close').disabled = true;
}

function embedIframe() {
  resetEmbed();
  const iframe = document.createElement('iframe');
  iframe.id = EMBED_IFRAME_ID;
  iframe.title = 'Link';
  $('embed-slot').append(iframe);
  $('embed-empty').hidden = true;
  $('embed-close').disabled = false;
  return iframe;
}

let current = null;

$('embed-close').addEventListener('click', () => current?.closeLinkRequested());

// ---- Open Link ----

async function linkToken(scenario) {
  // This page's "backend": in a real app, your server calls POST /api/v1/linktoken with
  // its X-Client-Id / X-Client-Secret and hands the browser the linkToken only.
  const res = await fetch(new URL('../api/linktoken', import.meta.url), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ scenario }),
  });
  const env = await res.json().catch(() => null);
  if (!res.ok || !env || env.status !== 'ok') {
    throw Object.assign(new Error(env?.message || `HTTP ${res.status}`), { envelope: env });
  }
  return env.content;
}

async function open(scenario, button) {
  button.setAttribute('aria-busy', 'true');
  let content;
  try {
    content = await linkToken(scenario);
  } catch (e) {
    log('error', 'link token request failed', e.envelope ?? { message: e.message });
    return;
  } finally {
    button.removeAttribute('aria-busy');
  }
  log('backend', 'POST /api/v1/linktoken', { request: content.request, linkToken: `${content.linkToken.slice(0, 24)}…` });

  const embedded = options.renderType === 'embedded';
  if (embedded) embedIframe();
  const link = createLink({
    theme: options.theme,
    language: options.language,
    renderType: options.renderType,
    onIntegrationConnected: (payload) => {
      log('onIntegrationConnected', payload.accessToken?.brokerName ?? 'delayed authentication', payload);
      const at = payload.accessToken;
      for (const t of at?.accountTokens ?? []) linked.set(t.account.accountId, t.account.accountName);
      renderAccount();
    },
    onTransferFinished: (payload) => {
      log('onTransferFinished', `${payload.amount} ${payload.symbol} · ${payload.status}`, payload);
      if (payload.status === 'success' && payload.transferId) {
        pending.set(payload.transferId, Number(payload.amountInFiat ?? payload.amount) || 0);
      }
      renderAccount();
    },
    onEvent: (event) => log('onEvent', event.type, event.payload),
    onExit: (error, summary) => {
      log('onExit', error ? `error: ${error}` : 'closed', { error, summary });
      if (current === link) current = null;
      if (embedded) resetEmbed();
    },
  });
  current = link;
  link.openLink(content.linkToken, embedded ? EMBED_IFRAME_ID : undefined);
}

// ---- The backend's webhook receiver ----

// The demo's backend receives linkd's transfer status webhooks at /demo/api/webhook and
// checks each signature (X-Mesh-Signature-256: HMAC-SHA256 of the exact body with the
// webhook's secret); this page asks it for what arrived.
let lastDelivery = 0;

function signatureBadge(ok) {
  const b = document.createElement('span');
  b.className = `sig ${ok ? 'sig-ok' : 'sig-bad'}`;
  b.textContent = ok ? 'signature ok' : 'signature bad';
  return b;
}

function onDelivery(d) {
  const ev = d.event ?? {};
  log('webhook', `${ev.transferStatus ?? '?'} · ${ev.token ?? ''} ${ev.destinationAmount ?? ''}`.trim(), ev, signatureBadge(d.signatureOk));
  if (!d.signatureOk || !pending.has(ev.transferId)) return; // a forged or foreign event moves nothing
  if (ev.transferStatus === 'succeeded') balance += pending.get(ev.transferId);
  if (ev.transferStatus === 'succeeded' || ev.transferStatus === 'failed') pending.delete(ev.transferId);
  renderAccount();
}

async function pollWebhooks() {
  try {
    const res = await fetch(new URL(`../api/webhooks?after=${lastDelivery}`, import.meta.url), { cache: 'no-store' });
    const env = await res.json();
    for (const d of env.content?.deliveries ?? []) {
      lastDelivery = Math.max(lastDelivery, d.seq);
      onDelivery(d);
    }
  } catch {
    // the server restarted or is gone: try again later
  }
  setTimeout(pollWebhooks, 1500);
}

for (const b of document.querySelectorAll('[data-scenario]')) {
  b.addEventListener('click', () => open(b.dataset.scenario, b));
}

// The Link UI may be framed only by the demo client's origin: the public URL's.
if (body.dataset.publicOrigin && location.origin !== body.dataset.publicOrigin) {
  $('origin-warning').hidden = false;
}

applyOptions();
renderAccount();
pollWebhooks();
