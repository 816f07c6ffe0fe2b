// The child side of Mesh's wallet bridge: the Link UI, framed by a page on another origin,
// reaches the browser wallets injected into that page (extensions inject into the top
// window; a cross-origin frame cannot count on seeing them).
//
// @meshconnect/web-link-sdk 3.13.0 starts `new BridgeParent(iframe)`
// (@meshconnect/uwc-bridge-parent 1.7.x) on every openLink, and linkd's /sdk/link.js
// starts its own parent with the same protocol: the parent page exposes a ParentAPI with
// Comlink (vendor/comlink.js) on postMessage, accepting calls only from this frame's
// window and origin. Here we wrap it: every read and call is a Comlink GET or APPLY along a
// path (eip6963Wallets[i].provider.request(...), walletStandardWallets[i].adapter.…), so no
// wallet object is ever cloned. Locked like messaging.js (docs/threat-model.md U2): calls go
// to the parent window on its exact, allowed origin, and only answers from that window and
// origin are read.
import * as Comlink from './vendor/comlink.js';

// PROBE_MS bounds each bridge read: a parent without the bridge (another SDK, or none)
// never answers, and the Link UI goes on with the wallets of its own window.
const PROBE_MS = 1200;
// READY_MS is how long the parent's EIP-6963 discovery may take (BridgeParent waits 300 ms
// for announcements after openLink).
const READY_MS = 2500;

let remote = null;

// guard wraps an endpoint so that its listeners see only messages from window.parent on
// origin (Comlink's wrap() checks neither).
function guard(ep, origin) {
  const guarded = new WeakMap();
  const add = ep.addEventListener;
  const remove = ep.removeEventListener;
  ep.addEventListener = (type, listener, options) => {
    if (type !== 'message') return add(type, listener, options);
    const g = (e) => {
      if (e.source === window.parent && e.origin === origin) listener(e);
    };
    guarded.set(listener, g);
    return add(type, g, options);
  };
  ep.removeEventListener = (type, listener, options) => remove(type, (type === 'message' && guarded.get(listener)) || listener, options);
  return ep;
}

// openBridge wraps the parent's ParentAPI; origin is the parent's exact origin, already
// checked against the client's origins (messaging.js lock()).
export function openBridge(origin) {
  if (remote === null && typeof origin === 'string' && origin !== '' && origin !== '*') {
    remote = Comlink.wrap(guard(Comlink.windowEndpoint(window.parent, window, origin), origin));
  }
  return remote;
}

export function timeout(promise, ms) {
  let timer;
  return Promise.race([
    Promise.resolve(promise).finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { timeout: true })), ms); }),
  ]);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// read is one bridge read, bounded.
function read(value) {
  return timeout(value, PROBE_MS);
}

// readOr is a read that may fail (a member the parent does not have).
async function readOr(value, fallback) {
  try {
    const v = await read(value);
    return v === undefined || v === null ? fallback : v;
  } catch {
    return fallback;
  }
}

// bridgeWallets lists the parent page's wallets: EIP-6963 providers and Wallet Standard
// Solana wallets, as descriptors with functions that call them through the bridge. It
// returns [] when the parent does not answer.
export async function bridgeWallets(origin) {
  const r = openBridge(origin);
  if (!r) return [];
  const out = [];
  try {
    const start = Date.now();
    while (!(await read(r.eip6963WalletsReady)) && Date.now() - start < READY_MS) await sleep(100);
    const n = await read(r.eip6963Wallets.length);
    for (let i = 0; i < Math.min(n, 20); i++) {
      const w = r.eip6963Wallets[i];
      const [uuid, name, icon, rdns] = await Promise.all([readOr(w.uuid, ''), readOr(w.name, ''), readOr(w.icon, ''), readOr(w.rdns, '')]);
      const provider = w.provider;
      out.push({ kind: 'evm', via: 'bridge', uuid: String(uuid), name: String(name), icon: String(icon), rdns: String(rdns),
        request: (args) => provider.request(args) });
    }
  } catch {
    return out; // no bridge, or a parent that stopped answering
  }
  try {
    const n = await read(r.walletStandardWallets.length);
    for (let i = 0; i < Math.min(n, 20); i++) {
      const w = r.walletStandardWallets[i];
      const [name, chains, features, icon] = await Promise.all([readOr(w.name, ''), readOr(w.chains, []), readOr(w.features, []), readOr(w.adapter.icon, '')]);
      if (!Array.isArray(chains) || !chains.some((c) => String(c).startsWith('solana:'))) continue;
      if (!Array.isArray(features) || !features.includes('solana:signMessage')) continue;
      const adapter = w.adapter;
      out.push({ kind: 'solana', via: 'bridge', uuid: String(name), name: String(name), icon: String(icon), rdns: '',
        connect: async () => {
          await adapter.connect();
          return String(await adapter.publicKey.toBase58());
        },
        signMessage: async (bytes) => {
          const sig = await adapter.signMessage(bytes);
          if (sig instanceof Error) throw sig; // BridgeParent returns, not throws, "not supported"
          return new Uint8Array(sig);
        } });
    }
  } catch {
    // a parent without Wallet Standard support
  }
  return out;
}
