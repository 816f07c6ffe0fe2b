// linkd web SDK: a stand-in for Mesh Connect's @meshconnect/web-link-sdk (3.13.0), served
// by linkd at /sdk/link.js with the one module it imports, Comlink (/sdk/comlink.js,
// vendored: internal/linkui/web/vendor). Same API and callbacks:
//
//   import { createLink } from 'https://linkd.example/sdk/link.js';
//   const link = createLink({ onIntegrationConnected, onExit, onTransferFinished, onEvent,
//                             language, displayFiatCurrency, theme, renderType, accessTokens });
//   link.openLink(linkToken);            // overlay: a popup over the page
//   link.openLink(linkToken, 'iframeId') // an iframe of the page (renderType 'embedded' requires it)
//   link.closeLink();                    // remove the popup, onExit()
//   link.closeLinkRequested();           // embedded: ask Link to close gracefully
//
// One addition, namespaced so that it cannot clash with Mesh's options: when the Link UI
// has not posted `loaded` within options.linkdLoadTimeout milliseconds (default 15000;
// 0 turns it off), openLink gives up, removes the popup and calls onExit with a message
// naming the likely cause and a summary whose errorType is 'linkUiNotLoaded'. A Link UI
// the browser refuses to frame (the page's origin is not one of the client's: CSP
// frame-ancestors) or cannot reach never posts anything; without this, the page would
// show a blank frame and never hear back.
//
// Differences from Mesh's SDK, all on the safe side: messages are accepted only from the
// Link iframe itself (event.source) on the link token's origin (Mesh also accepts its own
// page's origin); messages to the iframe always name its origin; there is no pre-warm
// iframe and no network request of its own; the popup is styled through the CSSOM (no
// <style> element), so it works under a strict style-src Content-Security-Policy; an
// exception thrown by one callback is reported (reportError) without skipping the next;
// the iframe's referrer policy is 'origin' (unless the page set one on its own iframe), so
// that Link learns the embedding origin (document.referrer) in browsers without
// location.ancestorOrigins even when the page's own policy is no-referrer.
//
// Like Mesh's SDK, openLink starts the wallet bridge: the parent side of
// @meshconnect/uwc-bridge-parent 1.7's protocol, so that the Link UI, in a frame on another
// origin, reaches the browser wallets injected into this page (startBridge below).
import * as Comlink from './comlink.js';

const SDK_VERSION = 'linkd-1.0.0';

// The event keys Link may post (Mesh's LINK_EVENT_TYPE_KEYS, utils/event-types.js).
const LINK_EVENT_TYPE_KEYS = [
  'integrationConnected',
  'integrationConnectionError',
  'integrationMfaRequired',
  'integrationMfaEntered',
  'integrationOAuthStarted',
  'integrationAccountSelectionRequired',
  'transferCompleted',
  'integrationSelected',
  'credentialsEntered',
  'transferStarted',
  'transferPreviewed',
  'transferPreviewError',
  'transferExecutionError',
  'transferConfigureError',
  'pageLoaded',
  'transferAssetSelected',
  'transferNetworkSelected',
  'transferAmountEntered',
  'transferMfaRequired',
  'transferMfaEntered',
  'transferKycRequired',
  'transferExecuted',
  'transferInitiated',
  'transferNoEligibleAssets',
  'walletMessageSigned',
  'verifyDonePage',
  'verifyWalletRejected',
  'connectionDeclined',
  'connectionUnavailable',
  'transferDeclined',
  'done',
  'close',
  'SDKinjectedWalletProviders',
  'legalTermsViewed',
  'seeWhatHappenedClicked',
  'executeFundingStep',
  'fundingOptionsUpdated',
  'fundingOptionsViewed',
  'gasIncreaseWarning',
  'linkTransferQRGenerated',
  'methodSelected',
  'defiWalletError',
  'homePageLoaded',
];

/** Reports whether key is one of the event types Link may send (as Mesh's SDK exports it). */
export function isLinkEventTypeKey(key) {
  return LINK_EVENT_TYPE_KEYS.includes(key);
}

// Element ids are Mesh's, so that host pages and tests that look for them find them.
const POPUP_ID = 'mesh-link-popup';
const BACKDROP_ID = 'mesh-link-popup__backdrop';
const CONTENT_ID = 'mesh-link-popup__popup-content';
const IFRAME_ID = 'mesh-link-popup__iframe';

const INVALID_TOKEN = 'Invalid link token!';

// LOAD_TIMEOUT_MS is how long openLink waits for the Link UI's loaded message unless
// options.linkdLoadTimeout says otherwise; NOT_LOADED is the errorType of that failure
// (internal/problem LinkUINotLoaded).
const LOAD_TIMEOUT_MS = 15000;
const NOT_LOADED = 'linkUiNotLoaded';
const EMBEDDED_NEEDS_IFRAME = 'Mesh SDK: Failed to open link - renderType "embedded" requires a customIframeId';

// Mesh's appendQueryParam: appends to the end of the string, whatever it holds. A linkd
// token's URL carries its one-time code in the fragment, so these land in the fragment
// too (never sent to a server), where the Link UI reads them.
function appendQueryParam(url, key, value) {
  return `${url}${url.includes('?') ? '&' : '?'}${key}=${value}`;
}

function buildIframeAllowPolicy(origin) {
  return `clipboard-read *; clipboard-write *; camera ${origin}; microphone ${origin}`;
}

// A callback that throws must not keep the SDK from its other duties.
function call(fn, ...args) {
  if (typeof fn !== 'function') return;
  try {
    fn(...args);
  } catch (e) {
    if (typeof reportError === 'function') reportError(e);
    else console.error(e);
  }
}

// The popup's optional style from the link URL (Mesh's utils/style.js): link_style is a
// base64 JSON {ir: iframe radius, io: backdrop opacity} in the query string.
function linkStyle(url) {
  try {
    const s = new URL(url).searchParams.get('link_style');
    const v = s && JSON.parse(atob(s));
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

function num(def, v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : def;
}

// The overlay: a full-screen backdrop and a centred popup holding the iframe (Mesh's
// utils/popup.js), laid out with inline styles and matchMedia rather than a <style>
// element, which a host page's CSP may forbid.
function createPopup(url, origin) {
  removePopup();
  const style = linkStyle(url);
  const radius = num(24, style.ir);

  const root = document.createElement('div');
  root.id = POPUP_ID;
  root.setAttribute('role', 'dialog');
  root.setAttribute('aria-modal', 'true');
  Object.assign(root.style, {
    position: 'fixed', left: '0', top: '0', right: '0', bottom: '0', margin: '0', padding: '0',
    display: 'flex', flexDirection: 'column', alignItems: 'center', justifyContent: 'center',
    zIndex: '10000', pointerEvents: 'auto',
  });

  const backdrop = document.createElement('div');
  backdrop.id = BACKDROP_ID;
  Object.assign(backdrop.style, {
    position: 'absolute', left: '0', top: '0', right: '0', bottom: '0', zIndex: '10000',
    background: 'black', opacity: String(num(0.6, style.io)),
  });

  const content = document.createElement('div');
  content.id = CONTENT_ID;
  Object.assign(content.style, {
    position: 'absolute', margin: 'auto', zIndex: '10001', display: 'flex', flexDirection: 'column',
    flexGrow: '1', overflow: 'hidden',
  });

  const iframe = document.createElement('iframe');
  iframe.id = IFRAME_ID;
  iframe.title = 'Link';
  iframe.allow = buildIframeAllowPolicy(origin);
  iframe.referrerPolicy = 'origin';
  Object.assign(iframe.style, { border: 'none', width: '100%', flexGrow: '1', display: 'block' });
  iframe.src = url;

  // Popup size: 30% wide within 380–430 px, 80% high within 685–710 px; the whole screen
  // below 768 px wide, the whole height below 710 px high.
  const narrow = window.matchMedia('(max-width: 768px)');
  const short = window.matchMedia('(max-height: 710px)');
  const layout = () => {
    if (narrow.matches) {
      Object.assign(content.style, {
        width: '100vw', height: '100vh', minWidth: '100%', maxWidth: '100%', minHeight: '100%', maxHeight: '100%',
        borderRadius: '0px',
      });
      iframe.style.borderRadius = '0px';
      return;
    }
    Object.assign(content.style, {
      width: '30%', minWidth: '380px', maxWidth: '430px', height: '80%',
      minHeight: short.matches ? '100%' : '685px', maxHeight: short.matches ? '100%' : '710px',
      borderRadius: `${radius}px`,
    });
    iframe.style.borderRadius = `${radius}px`;
  };
  layout();
  narrow.addEventListener('change', layout);
  short.addEventListener('change', layout);

  // The page behind must not scroll while Link is open.
  const html = document.documentElement;
  const savedOverflow = [html.style.overflow, document.body.style.overflow];
  html.style.overflow = 'hidden';
  document.body.style.overflow = 'hidden';

  content.appendChild(iframe);
  root.append(backdrop, content);
  document.body.appendChild(root);

  popupTeardown = () => {
    narrow.removeEventListener('change', layout);
    short.removeEventListener('change', layout);
    html.style.overflow = savedOverflow[0];
    document.body.style.overflow = savedOverflow[1];
    root.remove();
  };
  return iframe;
}

let popupTeardown = null;

function removePopup() {
  if (popupTeardown) {
    const t = popupTeardown;
    popupTeardown = null;
    t();
  }
  document.getElementById(POPUP_ID)?.remove();
}

// ---- the wallet bridge ----
//
// The parent side of @meshconnect/uwc-bridge-parent 1.7's protocol (BridgeParent), which
// Mesh's SDK starts on every openLink: a ParentAPI exposed with Comlink to the Link iframe,
// and to nothing else. Calls are accepted only from the iframe's own window on the link
// token's origin (Comlink checks the origin, the wrapper below the window), and answers go
// to that origin only. The Link UI reads it member by member
// (eip6963Wallets[i].provider.request(…), walletStandardWallets[i].adapter.signMessage(…)).
//
// On purpose narrower than Mesh's: a provider answers only the requests the Link UI makes
// (BRIDGE_METHODS), Solana adapters only connect and signMessage, and no Bitcoin, Tron or
// TON wallets are offered; an EIP-1193 error crosses as a plain {code, message} (Comlink
// would keep only the message of an Error, and the Link UI tells a refusal, 4001, by its
// code).

// BRIDGE_METHODS are the EIP-1193 requests the Link UI makes: connect (eth_requestAccounts,
// eth_chainId) and sign the link token's message (personal_sign, EIP-191).
const BRIDGE_METHODS = ['eth_requestAccounts', 'eth_accounts', 'eth_chainId', 'personal_sign'];
// EIP6963_WAIT_MS is how long wallets have to announce themselves (as BridgeParent waits).
const EIP6963_WAIT_MS = 300;

function plainError(e) {
  const code = e && typeof e.code === 'number' ? e.code : undefined;
  return { code, message: String((e && e.message) || e || 'wallet error') };
}

function providerFacade(provider) {
  return {
    request: async (args) => {
      const method = args && args.method;
      if (!BRIDGE_METHODS.includes(method)) throw { code: 4200, message: `linkd SDK: ${String(method)} is not bridged` };
      try {
        return await provider.request({ method, params: Array.isArray(args.params) ? args.params : undefined });
      } catch (e) {
        throw plainError(e);
      }
    },
  };
}

// discoverEIP6963 asks this page's wallets to announce themselves (EIP-6963); a
// window.ethereum that announces nothing is offered as one wallet.
function discoverEIP6963() {
  return new Promise((resolve) => {
    const found = [];
    const onAnnounce = (e) => {
      const d = e && e.detail;
      if (!d || !d.info || !d.provider || typeof d.provider.request !== 'function') return;
      if (found.some((w) => w.uuid === d.info.uuid)) return;
      found.push({ uuid: String(d.info.uuid), name: String(d.info.name || ''), icon: String(d.info.icon || ''),
        rdns: String(d.info.rdns || ''), provider: providerFacade(d.provider) });
    };
    window.addEventListener('eip6963:announceProvider', onAnnounce);
    window.dispatchEvent(new Event('eip6963:requestProvider'));
    setTimeout(() => {
      window.removeEventListener('eip6963:announceProvider', onAnnounce);
      const eth = window.ethereum;
      if (!found.length && eth && typeof eth.request === 'function') {
        found.push({ uuid: 'window.ethereum', name: eth.isMetaMask ? 'MetaMask' : 'Browser wallet', icon: '',
          rdns: eth.isMetaMask ? 'io.metamask' : '', provider: providerFacade(eth) });
      }
      resolve(found);
    }, EIP6963_WAIT_MS);
  });
}

// The Wallet Standard's app side (@wallet-standard/app's getWallets()): wallets loaded
// before us register on app-ready, later ones announce register-wallet.
const standardWallets = new Set();
let standardStarted = false;
function walletStandard() {
  if (!standardStarted) {
    standardStarted = true;
    const api = Object.freeze({
      register: (...wallets) => {
        wallets.forEach((w) => standardWallets.add(w));
        return () => wallets.forEach((w) => standardWallets.delete(w));
      },
    });
    window.addEventListener('wallet-standard:register-wallet', (e) => {
      if (e && typeof e.detail === 'function') call(e.detail, api);
    });
    window.dispatchEvent(new CustomEvent('wallet-standard:app-ready', { detail: api }));
  }
  return [...standardWallets];
}

// solanaWallets are the Wallet Standard wallets with Solana chains, shaped like
// BridgeParent's WalletStandardInfo (uuid, name, chains, features, adapter).
function solanaWallets() {
  const out = [];
  for (const w of walletStandard()) {
    const f = w && w.features;
    if (!f || !Array.isArray(w.chains) || !w.chains.some((c) => String(c).startsWith('solana:'))) continue;
    if (!f['standard:connect'] || !f['solana:signMessage']) continue;
    let account = null;
    out.push({
      uuid: `${w.name}-${w.chains[0]}`.toLowerCase().replace(/\s+/g, '-'),
      name: String(w.name),
      chains: w.chains.map(String),
      features: Object.keys(f),
      adapter: {
        name: String(w.name),
        icon: String(w.icon || ''),
        connect: async () => {
          try {
            const r = await f['standard:connect'].connect();
            const accounts = (r && r.accounts) || w.accounts || [];
            account = accounts.find((a) => (a.chains || []).some((c) => String(c).startsWith('solana:'))) || accounts[0] || null;
          } catch (e) {
            throw plainError(e);
          }
          if (!account) throw { message: 'the wallet connected no account' };
        },
        signMessage: async (message) => {
          if (!account) throw { message: 'not connected' };
          try {
            const [res] = await f['solana:signMessage'].signMessage({ account, message: new Uint8Array(message) });
            return new Uint8Array(res.signature);
          } catch (e) {
            throw plainError(e);
          }
        },
        publicKey: Comlink.proxy({ toBase58: async () => (account ? String(account.address) : null) }),
      },
    });
  }
  return out;
}

// startBridge exposes the ParentAPI to iframe, on the link token's origin only, and
// returns its teardown.
function startBridge(iframe, origin) {
  const win = iframe.contentWindow;
  if (!win) return () => {};
  const api = {
    eip6963Wallets: [], eip6963WalletsReady: false,
    walletStandardWallets: solanaWallets(), walletStandardWalletsReady: true,
    bip122Wallets: [], bip122WalletsReady: true,
    tronWallets: [], tronWalletsReady: false,
    tonWallets: [], tonWalletsReady: false,
    parentOrigin: window.location.origin,
    discoverTronWallets: () => { api.tronWalletsReady = true; },
    discoverTonWallets: () => { api.tonWalletsReady = true; },
  };
  const ep = Comlink.windowEndpoint(win, window, origin);
  const add = ep.addEventListener;
  const remove = ep.removeEventListener;
  const guarded = new WeakMap();
  const attached = [];
  // Comlink checks the origin; this checks the window too (another frame of the same origin).
  ep.addEventListener = (type, listener, options) => {
    if (type !== 'message') return add(type, listener, options);
    const g = (e) => {
      if (e.source === win && e.origin === origin) listener(e);
    };
    guarded.set(listener, g);
    attached.push([g, options]);
    return add(type, g, options);
  };
  ep.removeEventListener = (type, listener, options) => remove(type, (type === 'message' && guarded.get(listener)) || listener, options);
  Comlink.expose(api, ep, [origin]);
  let live = true;
  discoverEIP6963().then((list) => {
    if (!live) return;
    api.eip6963Wallets = list;
    api.eip6963WalletsReady = true;
  });
  return () => {
    live = false;
    for (const [g, options] of attached) remove('message', g, options);
    attached.length = 0;
    Object.assign(api, { eip6963Wallets: [], walletStandardWallets: [], eip6963WalletsReady: false, walletStandardWalletsReady: false });
  };
}

/**
 * createLink returns the Link object of Mesh's web SDK: openLink, closeLink and
 * closeLinkRequested, calling back options.onIntegrationConnected, onExit,
 * onTransferFinished and onEvent.
 */
export function createLink(options) {
  let current = null; // {iframe, origin, embedded, listener, stopBridge}

  const post = (message) => {
    const w = current?.iframe.contentWindow;
    if (!w) {
      console.warn(`linkd SDK: Failed to deliver ${message.type} message to the iframe - no iframe element found`);
      return;
    }
    // Always the link token's origin, never '*': the message reaches Link only.
    w.postMessage(message, current.origin);
  };

  const stopBridge = () => {
    if (current && current.stopBridge) {
      current.stopBridge();
      current.stopBridge = null;
    }
  };

  const detach = () => {
    if (current) {
      clearTimeout(current.watchdog);
      stopBridge();
      window.removeEventListener('message', current.listener);
      current = null;
    }
  };

  // notLoaded ends an openLink whose Link UI never posted loaded: the frame is blank (the
  // browser refused it, or linkd did not answer), so the host gets onExit with the likely
  // cause instead of waiting forever.
  const notLoaded = (state, ms) => {
    if (current !== state) return;
    const here = window.location.origin;
    const message = `linkd SDK: the Link UI did not load within ${ms / 1000} s. Most likely this page's origin (${here}) ` +
      `is not one of the link token's client's origins, so the browser refuses to show it in a frame: ` +
      `linkd client update ${state.clientId} --origin ${here} (keep the client's other origins; linkd's log names them). ` +
      `Otherwise linkd (${state.origin}) is not reachable from this browser.`;
    if (state.embedded) state.iframe.src = 'about:blank';
    else removePopup();
    detach();
    console.error(message);
    call(options?.onExit, message, { page: 'startPage', errorMessage: message, errorType: NOT_LOADED });
  };

  const handle = (data) => {
    switch (data.type) {
      case 'brokerageAccountAccessToken': {
        const payload = { accessToken: data.payload };
        call(options?.onEvent, { type: 'integrationConnected', payload });
        call(options?.onIntegrationConnected, payload);
        break;
      }
      case 'delayedAuthentication': {
        const payload = { delayedAuth: data.payload };
        call(options?.onEvent, { type: 'integrationConnected', payload });
        call(options?.onIntegrationConnected, payload);
        break;
      }
      case 'transferFinished': {
        const payload = data.payload;
        call(options?.onEvent, { type: 'transferCompleted', payload });
        call(options?.onTransferFinished, payload);
        break;
      }
      case 'close':
      case 'done': {
        const payload = data.payload;
        stopBridge(); // the session is over: its wallets are no longer reachable
        if (!current?.embedded) {
          removePopup();
          detach(); // the popup's iframe is gone: nothing more can come from it
        }
        call(options?.onExit, payload?.errorMessage, payload);
        break;
      }
      case 'loaded': {
        clearTimeout(current?.watchdog);
        post({ type: 'meshSDKSpecs', payload: { platform: 'web', version: SDK_VERSION, origin: window.location.origin } });
        if (options?.accessTokens) {
          post({ type: 'frontAccessTokens', payload: options.accessTokens });
        }
        call(options?.onEvent, { type: 'pageLoaded' });
        break;
      }
      default:
        if (isLinkEventTypeKey(data.type)) call(options?.onEvent, data);
    }
  };

  const openLink = (linkToken, customIframeId) => {
    if (!linkToken) {
      call(options?.onExit, INVALID_TOKEN);
      return;
    }
    if (options?.renderType === 'embedded' && !customIframeId) {
      console.error(EMBEDDED_NEEDS_IFRAME);
      call(options?.onExit, EMBEDDED_NEEDS_IFRAME);
      return;
    }
    let url;
    let origin;
    try {
      url = atob(linkToken);
      if (!url.startsWith('http://') && !url.startsWith('https://')) throw new Error('not http(s)');
      origin = new URL(url).origin;
    } catch {
      call(options?.onExit, INVALID_TOKEN);
      return;
    }
    let lng = options?.language;
    if (lng === 'system') {
      lng = typeof navigator !== 'undefined' && navigator.language ? encodeURIComponent(navigator.language) : undefined;
    }
    url = appendQueryParam(url, 'lng', lng || 'en');
    if (options?.displayFiatCurrency) url = appendQueryParam(url, 'fiatCur', options.displayFiatCurrency);
    if (options?.theme) url = appendQueryParam(url, 'th', options.theme);
    if (options?.renderType === 'embedded') url = appendQueryParam(url, 'rt', 'embedded');

    if (current && !current.embedded) removePopup();
    detach();
    let iframe;
    if (customIframeId) {
      iframe = document.getElementById(customIframeId);
      if (!(iframe instanceof HTMLIFrameElement)) {
        console.warn(`linkd SDK: No iframe found with id ${customIframeId}`);
        return;
      }
      iframe.allow = buildIframeAllowPolicy(origin);
      if (!iframe.hasAttribute('referrerpolicy')) iframe.referrerPolicy = 'origin';
      iframe.src = url;
    } else {
      iframe = createPopup(url, origin);
    }
    const clientId = new URL(url).pathname.split('/').pop();
    const state = { iframe, origin, clientId, embedded: Boolean(customIframeId), listener: null, watchdog: undefined, stopBridge: null };
    state.listener = (event) => {
      // Only Link itself: its origin, and its very window (not another frame of that origin).
      if (current !== state || event.origin !== origin || event.source !== iframe.contentWindow) return;
      const data = event.data;
      if (!data || typeof data !== 'object' || typeof data.type !== 'string') return;
      handle(data);
    };
    current = state;
    window.addEventListener('message', state.listener);
    let ms = options?.linkdLoadTimeout;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) ms = LOAD_TIMEOUT_MS;
    if (ms > 0) {
      state.watchdog = setTimeout(() => notLoaded(state, ms), ms);
    }
    state.stopBridge = startBridge(iframe, origin);
  };

  const closeLink = () => {
    removePopup();
    detach();
    call(options?.onExit);
  };

  const closeLinkRequested = () => {
    if (options?.renderType === 'embedded') {
      post({ type: 'closeRequested' });
      return;
    }
    closeLink();
  };

  return { openLink, closeLink, closeLinkRequested };
}

globalThis.Linkd = { createLink };
