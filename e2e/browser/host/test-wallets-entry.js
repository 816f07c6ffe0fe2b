// Entry point of the esbuild bundle of the browser tests' scripted wallets. scenario.mjs
// adds the bundle as an init script of the browser context and calls
// window.__installTestWallets(cfg) in the pages a browser extension would inject into:
// the host page only (the Link UI's frame gets nothing), or, for a payment link opened as
// a full page, that page.
//
// The wallets sign for real, with keys of the test (@noble/curves, RFC 6979 secp256k1 and
// RFC 8032 ed25519), as a wallet extension does:
//   - "MetaMask" (EIP-6963 rdns io.metamask) and "Rabby Wallet" (io.rabby, a wallet the
//     catalog does not know): EIP-1193 providers announced with EIP-6963
//     (eip6963:announceProvider, on load and on every eip6963:requestProvider), answering
//     eth_requestAccounts, eth_accounts, eth_chainId and personal_sign (EIP-191);
//   - "Phantom": a Wallet Standard Solana wallet (wallet-standard:register-wallet and
//     wallet-standard:app-ready) with standard:connect, standard:events,
//     solana:signMessage and solana:signTransaction (which it refuses: the adapters that
//     Mesh's SDK builds require one of the transaction features).
//
// window.__testWallets.mode scripts the user: 'approve' (default), 'reject' (refuses to
// connect: EIP-1193 4001 / "User rejected the request."), 'reject-sign' (connects, refuses
// to sign), 'tamper' (signs, then flips a bit of the signature, as a compromised page
// would), 'hang' (never answers). Every request is logged in window.__testWallets.calls.
import { secp256k1 } from '@noble/curves/secp256k1';
import { ed25519 } from '@noble/curves/ed25519';
import { keccak_256 } from '@noble/hashes/sha3';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils';

const B58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
function base58(bytes) {
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

function evmAddress(priv) {
  const pub = secp256k1.getPublicKey(priv, false);
  const lower = bytesToHex(keccak_256(pub.slice(1)).slice(-20));
  const h = bytesToHex(keccak_256(utf8ToBytes(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(h[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  return out;
}

// personalSign is EIP-191 personal_sign: keccak256("\x19Ethereum Signed Message:\n" + len
// + message), r‖s‖v with v = 27 + recovery.
function personalSign(priv, message) {
  const prefix = utf8ToBytes(`\x19Ethereum Signed Message:\n${message.length}`);
  const digest = keccak_256(new Uint8Array([...prefix, ...message]));
  const sig = secp256k1.sign(digest, priv);
  return new Uint8Array([...sig.toCompactRawBytes(), 27 + sig.recovery]);
}

const ICON = 'data:image/svg+xml;base64,' + btoa('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="8" fill="#7b61ff"/><circle cx="16" cy="16" r="7" fill="#fff"/></svg>');

function userRejected() {
  return Object.assign(new Error('User rejected the request.'), { code: 4001 });
}

window.__installTestWallets = (cfg) => {
  if (window.__testWallets) return;
  const state = { mode: 'approve', calls: [], chainId: cfg.chainId || '0x1', addresses: {} };
  window.__testWallets = state;
  const never = () => new Promise(() => {});
  const tamper = (bytes) => {
    const b = new Uint8Array(bytes);
    b[10] ^= 0x01;
    return b;
  };

  // ---- EVM: EIP-1193 providers, announced with EIP-6963 ----
  const evm = (name, rdns, keyHex) => {
    const priv = hexToBytes(keyHex);
    const address = evmAddress(priv);
    state.addresses[rdns] = address;
    let connected = false;
    const provider = {
      isMetaMask: rdns === 'io.metamask',
      async request({ method, params }) {
        state.calls.push({ wallet: name, method });
        switch (method) {
          case 'eth_requestAccounts':
            if (state.mode === 'hang') return never();
            if (state.mode === 'reject') throw userRejected();
            connected = true;
            return [address];
          case 'eth_accounts':
            return connected ? [address] : [];
          case 'eth_chainId':
            return state.chainId;
          case 'personal_sign': {
            if (state.mode === 'hang') return never();
            if (state.mode === 'reject-sign') throw userRejected();
            const [hexMessage, from] = params;
            if (String(from).toLowerCase() !== address.toLowerCase()) throw Object.assign(new Error('unknown account'), { code: 4100 });
            let sig = personalSign(priv, hexToBytes(String(hexMessage).slice(2)));
            if (state.mode === 'tamper') sig = tamper(sig);
            return '0x' + bytesToHex(sig);
          }
          default:
            throw Object.assign(new Error(`${method} is not supported`), { code: 4200 });
        }
      },
      on() {},
      removeListener() {},
    };
    const detail = Object.freeze({ info: Object.freeze({ uuid: crypto.randomUUID(), name, icon: ICON, rdns }), provider });
    const announce = () => window.dispatchEvent(new CustomEvent('eip6963:announceProvider', { detail }));
    window.addEventListener('eip6963:requestProvider', announce);
    announce();
  };
  evm('MetaMask', 'io.metamask', cfg.evmKey);
  evm('Rabby Wallet', 'io.rabby', cfg.rabbyKey);
  // Phantom's EVM account, for the scenario of a wallet with both kinds (the chooser).
  if (cfg.phantomEvmKey) evm('Phantom', 'app.phantom', cfg.phantomEvmKey);

  // ---- Solana: a Wallet Standard wallet ----
  const seed = hexToBytes(cfg.solanaKey);
  const publicKey = ed25519.getPublicKey(seed);
  const address = base58(publicKey);
  state.addresses.phantom = address;
  const chains = ['solana:mainnet', 'solana:devnet'];
  const account = Object.freeze({ address, publicKey, chains, features: ['solana:signMessage', 'solana:signTransaction'] });
  let accounts = [];
  const listeners = new Set();
  const wallet = {
    version: '1.0.0',
    name: 'Phantom',
    icon: ICON,
    chains,
    get accounts() {
      return accounts.slice();
    },
    features: {
      'standard:connect': {
        version: '1.0.0',
        connect: async () => {
          state.calls.push({ wallet: 'Phantom', method: 'connect' });
          if (state.mode === 'hang') return never();
          if (state.mode === 'reject') throw userRejected();
          accounts = [account];
          for (const l of listeners) l({ accounts: wallet.accounts });
          return { accounts: wallet.accounts };
        },
      },
      'standard:disconnect': { version: '1.0.0', disconnect: async () => { accounts = []; } },
      'standard:events': {
        version: '1.0.0',
        on: (event, listener) => {
          if (event !== 'change') return () => {};
          listeners.add(listener);
          return () => listeners.delete(listener);
        },
      },
      'solana:signMessage': {
        version: '1.0.0',
        signMessage: async (...inputs) => {
          state.calls.push({ wallet: 'Phantom', method: 'signMessage' });
          if (state.mode === 'hang') return never();
          if (state.mode === 'reject-sign') throw userRejected();
          return inputs.map(({ message }) => {
            let signature = ed25519.sign(new Uint8Array(message), seed);
            if (state.mode === 'tamper') signature = tamper(signature);
            return { signedMessage: new Uint8Array(message), signature };
          });
        },
      },
      'solana:signTransaction': {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        signTransaction: async () => { throw new Error('the test wallet signs no transactions'); },
      },
    },
  };
  const register = ({ register: r }) => r(wallet);
  window.addEventListener('wallet-standard:app-ready', (e) => register(e.detail));
  try {
    window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: register }));
  } catch (e) {
    console.error(e);
  }
};
