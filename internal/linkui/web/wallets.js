// Browser wallets: finding them, matching them with the catalog, and asking them to
// connect and to sign.
//
// Where they are found:
//   - framed by a page on Mesh's SDK or linkd's /sdk/link.js: the page's wallets, over the
//     bridge (bridge.js);
//   - in the Link UI's own window (a full-page payment link, or a wallet that injects into
//     frames too): EIP-6963 (eip6963:requestProvider / eip6963:announceProvider), with
//     window.ethereum (EIP-1193) as the fallback, for EVM; the Wallet Standard
//     (wallet-standard:app-ready / wallet-standard:register-wallet) for Solana.
// A wallet seen both ways is used through the bridge.
//
// Every request to a wallet is bounded by WALLET_TIMEOUT_MS: a wallet that neither
// answers nor refuses by then is reported as timed out (defiWalletError "timeout").
import { bridgeWallets, timeout } from './bridge.js';

// WALLET_TIMEOUT_MS is how long the user has to answer the wallet's prompt (connect or
// sign) before the Link UI gives up on it: 2 minutes (README, "Browser wallets").
export const WALLET_TIMEOUT_MS = 120000;
// ANNOUNCE_MS is how long the page listens for EIP-6963 announcements in its own window.
const ANNOUNCE_MS = 150;

// ---- discovery in the Link UI's own window ----

function localEIP6963() {
  return new Promise((resolve) => {
    const found = [];
    const onAnnounce = (e) => {
      const d = e && e.detail;
      if (!d || !d.info || !d.provider || typeof d.provider.request !== 'function') return;
      if (found.some((w) => w.uuid === d.info.uuid)) return;
      const provider = d.provider;
      found.push({ kind: 'evm', via: 'local', uuid: String(d.info.uuid || ''), name: String(d.info.name || ''),
        icon: String(d.info.icon || ''), rdns: String(d.info.rdns || ''), request: (args) => provider.request(args) });
    };
    window.addEventListener('eip6963:announceProvider', onAnnounce);
    window.dispatchEvent(new Event('eip6963:requestProvider'));
    setTimeout(() => {
      window.removeEventListener('eip6963:announceProvider', onAnnounce);
      resolve(found);
    }, ANNOUNCE_MS);
  });
}

// INJECTED_FLAGS name a window.ethereum that did not announce itself (pre-EIP-6963).
const INJECTED_FLAGS = [
  ['isMetaMask', 'MetaMask', 'io.metamask'], ['isCoinbaseWallet', 'Coinbase Wallet', 'com.coinbase.wallet'],
  ['isPhantom', 'Phantom', 'app.phantom'], ['isRabby', 'Rabby Wallet', 'io.rabby'], ['isTrust', 'Trust Wallet', 'com.trustwallet.app'],
];

function windowEthereum() {
  const p = window.ethereum;
  if (!p || typeof p.request !== 'function') return [];
  const flag = INJECTED_FLAGS.find(([f]) => p[f] === true && (f !== 'isMetaMask' || !p.isRabby));
  return [{ kind: 'evm', via: 'local', uuid: 'window.ethereum', name: flag ? flag[1] : 'Browser wallet', icon: '',
    rdns: flag ? flag[2] : '', request: (args) => p.request(args) }];
}

// The Wallet Standard's app side (what @wallet-standard/app's getWallets() does): wallets
// that loaded before us register when we announce app-ready, later ones announce
// register-wallet.
const standardWallets = new Set();
let standardStarted = false;
function startWalletStandard() {
  if (standardStarted) return;
  standardStarted = true;
  const api = Object.freeze({
    register: (...wallets) => {
      wallets.forEach((w) => standardWallets.add(w));
      return () => wallets.forEach((w) => standardWallets.delete(w));
    },
  });
  window.addEventListener('wallet-standard:register-wallet', (e) => {
    if (e && typeof e.detail === 'function') {
      try {
        e.detail(api);
      } catch (err) {
        console.error(err);
      }
    }
  });
  window.dispatchEvent(new CustomEvent('wallet-standard:app-ready', { detail: api }));
}

function localSolana() {
  startWalletStandard();
  const out = [];
  for (const w of standardWallets) {
    const f = w && w.features;
    if (!f || !Array.isArray(w.chains) || !w.chains.some((c) => String(c).startsWith('solana:'))) continue;
    if (!f['standard:connect'] || !f['solana:signMessage']) continue;
    let account = null;
    out.push({ kind: 'solana', via: 'local', uuid: String(w.name), name: String(w.name || ''), icon: String(w.icon || ''), rdns: '',
      connect: async () => {
        const r = await f['standard:connect'].connect();
        const accounts = (r && r.accounts) || w.accounts || [];
        account = accounts.find((a) => (a.chains || []).some((c) => String(c).startsWith('solana:'))) || accounts[0] || null;
        if (!account) throw new Error('the wallet connected no account');
        return String(account.address);
      },
      signMessage: async (bytes) => {
        const [out0] = await f['solana:signMessage'].signMessage({ account, message: bytes });
        return new Uint8Array(out0.signature);
      } });
  }
  return out;
}

// ---- all wallets ----

let found = null;

// discover finds the wallets once per page: the parent page's over the bridge (when
// bridgeOrigin is set: the page is framed by an allowed origin), then the Link UI
// window's own. The same wallet (EIP-6963 rdns, or Wallet Standard name) is listed once.
export function discover(bridgeOrigin) {
  if (found === null) {
    found = Promise.all([
      bridgeOrigin ? bridgeWallets(bridgeOrigin).catch(() => []) : Promise.resolve([]),
      localEIP6963(),
    ]).then(([bridged, announced]) => {
      const local = [...announced, ...(announced.length ? [] : windowEthereum()), ...localSolana()];
      const out = [];
      for (const w of [...bridged, ...local]) {
        const key = (x) => `${x.kind}:${x.rdns || x.name.toLowerCase()}`;
        if (w.name && !out.some((x) => key(x) === key(w))) out.push(w);
      }
      return out;
    });
  }
  return found;
}

// matches reports whether a found wallet is the catalog entry it (IntegrationView): by
// EIP-6963 rdns for EVM wallets, by Wallet Standard name for Solana ones.
export function matches(it, w) {
  if (w.kind === 'evm') return !!w.rdns && (it.walletRdns || []).includes(w.rdns);
  return (it.walletNames || []).some((n) => n.toLowerCase() === w.name.toLowerCase());
}

// ---- asking a wallet ----

// errorKind classifies a wallet's failure: 'declined' (EIP-1193 4001 userRejectedRequest,
// or the Solana wallets' equivalent, which crosses the bridge as a message only),
// 'timeout', or 'failed'.
export function errorKind(e) {
  if (e && e.timeout) return 'timeout';
  const code = e && (e.code ?? (e.error && e.error.code));
  const msg = String((e && e.message) || e || '');
  if (code === 4001 || /reject|denied|declin|cancel/i.test(msg)) return 'declined';
  return 'failed';
}

function hexOf(bytes) {
  return '0x' + [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

// base58 encodes bytes (Solana's text form of signatures).
export function base58(bytes) {
  let n = 0n;
  for (const b of bytes) n = n * 256n + BigInt(b);
  let s = '';
  while (n > 0n) {
    s = B58[Number(n % 58n)] + s;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    s = '1' + s;
  }
  return s;
}

// connect asks the wallet for its address: eth_requestAccounts and eth_chainId (EIP-1193)
// or a Solana wallet's connect. It resolves to {address, chainId} (chainId: EVM only).
export async function connect(w) {
  if (w.kind === 'evm') {
    const accounts = await timeout(w.request({ method: 'eth_requestAccounts' }), WALLET_TIMEOUT_MS);
    if (!Array.isArray(accounts) || typeof accounts[0] !== 'string') throw new Error('the wallet returned no account');
    const chainId = await timeout(w.request({ method: 'eth_chainId' }), WALLET_TIMEOUT_MS);
    return { address: accounts[0], chainId: String(chainId).toLowerCase() };
  }
  return { address: await timeout(w.connect(), WALLET_TIMEOUT_MS), chainId: '' };
}

// sign asks the wallet to sign message as address: personal_sign (EIP-191: the wallet
// adds the "\x19Ethereum Signed Message" prefix) with the message's UTF-8 bytes in hex, or
// the Solana wallet's signMessage. It resolves to the signature as linkd reads it: 0x hex
// (65 bytes) for EVM, base58 (64 bytes) for Solana.
export async function sign(w, address, message) {
  const bytes = new TextEncoder().encode(message);
  if (w.kind === 'evm') {
    const sig = await timeout(w.request({ method: 'personal_sign', params: [hexOf(bytes), address] }), WALLET_TIMEOUT_MS);
    return String(sig);
  }
  return base58(await timeout(w.signMessage(bytes), WALLET_TIMEOUT_MS));
}
