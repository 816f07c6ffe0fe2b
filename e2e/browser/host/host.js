// The browser tests' host page: a fintech page built the way a page on Mesh's web SDK is.
// Its "backend" (POST /token, served by e2e/browser_test.go) asks linkd for a link token
// with the client's credentials, which never reach the browser; the page then calls
// createLink({...}).openLink(linkToken) from the SDK the page loaded: Mesh's
// @meshconnect/web-link-sdk (mesh.html, an esbuild bundle) or linkd's /sdk/link.js
// (linkd.html).
//
// Every callback is recorded, in order, in window.__events for the test to read:
//   {cb: 'onEvent', event}          {cb: 'onIntegrationConnected', payload}
//   {cb: 'onTransferFinished', payload}
//   {cb: 'onExit', hasError, error, hasSummary, summary, argc}
// and every message the page receives in window.__messages: {origin, type, fromLink}, but
// the wallet bridge's Comlink requests ({id, type: 'GET' | 'APPLY' | …}), which go to
// window.__bridge with the same fields.

const sdkName = document.documentElement.dataset.sdk;
const status = document.getElementById('status');

window.__events = [];
window.__messages = [];
window.__bridge = [];

const COMLINK_TYPES = ['GET', 'SET', 'APPLY', 'CONSTRUCT', 'ENDPOINT', 'RELEASE'];

// clone keeps exactly what JSON shows (the callbacks' arguments are plain data).
const clone = (v) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));

function record(entry) {
  window.__events.push({ ...entry, at: Date.now() });
}

function linkFrame() {
  return document.getElementById('mesh-link-popup__iframe');
}

// Registered before any SDK listener, so it sees every message first (and while the
// popup's iframe still exists).
window.addEventListener('message', (e) => {
  const f = linkFrame();
  const bridge = e.data && typeof e.data === 'object' && typeof e.data.id === 'string' && COMLINK_TYPES.includes(e.data.type);
  (bridge ? window.__bridge : window.__messages).push({
    origin: e.origin,
    type: e.data && typeof e.data === 'object' ? e.data.type : typeof e.data,
    fromLink: !!f && e.source === f.contentWindow,
  });
});

async function loadSDK() {
  if (sdkName === 'mesh') {
    if (!window.MeshSDK) throw new Error('mesh-sdk.js did not define window.MeshSDK');
    return window.MeshSDK;
  }
  return import(window.HOST_CONFIG.linkdSDK);
}

const sdk = await loadSDK().catch((e) => {
  status.textContent = `SDK failed to load: ${e}`;
  window.__sdkError = String(e);
  throw e;
});

// fetchToken asks the page's backend for a link token: {scenario} names a request of the
// test's table; run tags the token so that the test can find it afterwards.
window.fetchToken = async (scenario, run) => {
  const r = await fetch('/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ scenario, run }),
  });
  const body = await r.json().catch(() => null);
  if (!r.ok || !body || typeof body.linkToken !== 'string') {
    throw new Error(`POST /token: HTTP ${r.status} ${JSON.stringify(body)}`);
  }
  return body.linkToken;
};

// openLink opens Link with linkToken, recording every callback.
window.openLink = (linkToken, options = {}) => {
  const link = sdk.createLink({
    ...options,
    onIntegrationConnected: (payload) => record({ cb: 'onIntegrationConnected', payload: clone(payload) }),
    onTransferFinished: (payload) => record({ cb: 'onTransferFinished', payload: clone(payload) }),
    onEvent: (event) => record({ cb: 'onEvent', event: clone(event) }),
    onExit: (...args) => record({
      cb: 'onExit',
      argc: args.length,
      hasError: args[0] !== undefined,
      error: args[0] === undefined ? null : clone(args[0]),
      hasSummary: args[1] !== undefined,
      summary: args[1] === undefined ? null : clone(args[1]),
    }),
  });
  window.__link = link;
  link.openLink(linkToken);
};

status.textContent = `SDK ready (${sdkName})`;
window.__hostReady = sdkName;
