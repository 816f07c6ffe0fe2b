// Browser wallets in the Link UI: the catalog's wallets become available when the browser
// has them (wallets.js finds them), and choosing one connects it: eth_requestAccounts and
// eth_chainId, or a Solana wallet's connect. Then either the wallet verification
// (verify.js) or, in a plain connection, the address becomes the connected account
// (POST /link/api/wallet/connect → brokerageAccountAccessToken, so the SDK reports
// integrationConnected), shown with its network until Continue posts done.
//
// A refusal in the wallet (EIP-1193 4001, or the Solana wallets' equivalent) posts
// connectionDeclined; a wallet that does not answer within WALLET_TIMEOUT_MS posts
// defiWalletError "timeout".
import { h, icon } from './dom.js';
import { t } from './i18n.js';
import { post, connected } from './messaging.js';
import { api } from './api.js';
import { shortAddress } from './format.js';
import { networks } from './networks.js';
import { connect, discover, errorKind, matches } from './wallets.js';
import { verifyRequested, verifyScreen, allowedNetworks } from './verify.js';
import {
  state, nav, options, clientName, screen, button, formError, showError, complete, sessionEnded,
  isSessionError, errorText, logoTile, requestClose,
} from './core.js';

export function isWallet(it) {
  return !!it && it.type === 'deFiWallet';
}

// startDiscovery looks for wallets once (over the bridge when origin is set).
export function startDiscovery(origin) {
  return discover(origin).then((list) => {
    state.wallets = list;
    return list;
  }, () => {
    state.wallets = [];
    return [];
  });
}

// usable reports whether a found wallet can serve this session: in a verification, on a
// network the options allow; never in a transfer (linkd does not send from browser
// wallets).
function usable(w) {
  if (verifyRequested()) return allowedNetworks().some((n) => n.networkType === w.kind);
  return !((options().transferOptions || {}).toAddresses || []).length;
}

// foundFor lists the found wallets that are the catalog entry it.
export function foundFor(it) {
  if (it.foundWallet) return [it.foundWallet];
  return (state.wallets || []).filter((w) => matches(it, w) && usable(w));
}

// withWallets returns the catalog with the browser's wallets in it: a catalog wallet the
// browser has is available; a wallet the catalog does not know is listed under its
// announced name and icon, as the generic wallet entry.
export function withWallets(items) {
  const found = (state.wallets || []).filter(usable);
  const generic = items.find((i) => isWallet(i) && !i.deFiWalletProviderId);
  const known = items.filter((i) => isWallet(i) && i.deFiWalletProviderId);
  const out = items.map((it) => (isWallet(it) && it.deFiWalletProviderId && foundFor(it).length ? { ...it, available: true } : it));
  if (generic) {
    for (const w of found) {
      if (known.some((it) => matches(it, w))) continue;
      out.unshift({ ...generic, name: w.name, logoLightUrl: w.icon, logoDarkUrl: w.icon, available: true, foundWallet: w });
    }
  }
  return out;
}

// walletHint is the catalog's note when the browser has no wallet.
export function walletHint(items) {
  if (!items.some(isWallet) || (state.wallets || []).some(usable)) return null;
  return h('p', { class: 'note', testid: 'wallet-hint' }, icon('info', 'icon icon-sm'), h('span', null, t('wallet.installHint')));
}

// networkOf is the catalog network a connected wallet is on: the EVM chain's, or Solana.
function networkOf(w, chainId) {
  if (w.kind === 'solana') return networks().find((n) => n.networkType === 'solana') || null;
  const id = Number.parseInt(chainId, 16);
  return networks().find((n) => n.networkType === 'evm' && Number(n.chainId) === id) || null;
}

// selectWallet starts with a wallet entry of the catalog: which found wallet (a chooser
// when one entry is both an EVM and a Solana wallet), then connect.
export function selectWallet(it) {
  const list = foundFor(it);
  if (!list.length) {
    if (((options().transferOptions || {}).toAddresses || []).length) nav.unavailable(it, t('wallet.noTransfers', { name: it.name }), 'unavailable.note');
    else if ((state.wallets || []).some((w) => matches(it, w))) nav.unavailable(it, t('verify.noNetwork'), 'unavailable.note');
    else nav.unavailable(it, t('wallet.notFound', { name: it.name }), 'wallet.installHint');
    return;
  }
  if (list.length === 1) {
    connectWallet(list[0]);
    return;
  }
  screen('wallet-chain', {
    page: 'walletNetworkPage',
    back: nav.backToCatalog(),
    hero: logoTile(it, 'lg'),
    title: t('wallet.chainTitle', { name: it.name }),
    subtitle: t('wallet.chainSubtitle'),
    body: [h('ul', { class: 'rows rows-card', role: 'list' }, list.map((w) => h('li', null,
      h('button', { type: 'button', class: 'row', testid: `wallet-kind-${w.kind}`, onclick: () => connectWallet(w) },
        h('span', { class: 'row-main' }, h('span', { class: 'row-title' }, t(`wallet.kind.${w.kind}`))),
        icon('chevron', 'icon icon-sm row-chevron')))))],
  });
}

// connectWallet asks the wallet to connect, and shows that it waits for the user.
function connectWallet(w) {
  state.wallet = w;
  state.connectedWallet = null;
  const it = state.integration;
  const again = button(t('wallet.tryAgain'), { testid: 'button-try-again', variant: 'secondary', hidden: true, onclick: () => connectWallet(w) });
  const err = formError();
  screen('wallet-connecting', {
    page: 'walletConnectPage',
    back: nav.backToCatalog(),
    hero: h('div', { class: 'integration-hero' }, logoTile(it, 'lg'), h('span', { class: 'spinner spinner-badge', 'aria-hidden': 'true' })),
    title: t('wallet.connectTitle', { name: w.name }),
    subtitle: t('wallet.connectSubtitle', { name: w.name }),
    body: [err],
    actions: [again],
  });
  const shown = state.screen;
  connect(w).then(async ({ address, chainId }) => {
    if (state.wallet !== w || state.screen !== shown) return; // the user moved on
    const net = networkOf(w, chainId);
    state.connectedWallet = { address, chainId, network: net };
    if (!net) {
      walletErrorScreen('wallet-error', t('wallet.unknownChainTitle'), t('wallet.unknownChain', { name: w.name, chain: chainId }));
      return;
    }
    if (verifyRequested()) {
      verifyScreen();
      return;
    }
    await register(w, address, net, err, again);
  }, (e) => {
    if (state.wallet !== w || state.screen !== shown) return;
    walletFailed(e, errorKind(e), 'connection', err, again);
  });
}

// register makes the connected address the session's connected account.
async function register(w, address, net, err, again) {
  const it = state.integration;
  const r = await api.connectWallet({ integrationId: it.id, networkId: net.id, address, walletName: w.name });
  if (!r.ok) {
    if (isSessionError(r)) {
      sessionEnded(r);
      return;
    }
    if (r.errorType === 'integrationUnavailable') {
      nav.unavailable(it);
      return;
    }
    const e2 = errorText(r, 'form.generic');
    post('integrationConnectionError', { errorMessage: e2.errorMessage });
    showError(err, e2.text);
    again.hidden = false;
    return;
  }
  state.access = r.content.accessToken;
  post('brokerageAccountAccessToken', r.content.accessToken);
  connectedScreen(w, address, net);
}

function connectedScreen(w, address, net) {
  const it = state.integration;
  const linkAnother = options().restrictMultipleAccounts
    ? null
    : button(t('success.linkAnother'), { testid: 'button-link-another', variant: 'secondary', onclick: nav.linkAnother });
  screen('wallet-connected', {
    page: 'integrationConnectedPage',
    hero: h('div', { class: 'integration-hero' }, logoTile(it, 'lg'), h('span', { class: 'hero-mark hero-mark-ok' }, icon('check', 'icon icon-xs'))),
    title: t('wallet.connectedTitle'),
    subtitle: t('wallet.connectedSubtitle', { name: w.name, client: clientName() }),
    body: [h('dl', { class: 'kv-list' },
      h('div', { class: 'kv' }, h('dt', { class: 'kv-label' }, t('verify.address')),
        h('dd', { class: 'kv-dd' }, h('span', { class: 'kv-value mono', testid: 'wallet-address', title: address }, shortAddress(address, 8, 6)))),
      h('div', { class: 'kv' }, h('dt', { class: 'kv-label' }, t('verify.network')),
        h('dd', { class: 'kv-dd' }, h('span', { class: 'kv-value', testid: 'wallet-network' }, net.displayName))))],
    actions: [button(t('action.continue'), { testid: 'button-continue', onclick: complete }), linkAnother],
  });
}

// walletFailed handles a wallet that refused, did not answer, or failed, while connecting
// (step 'connection') or signing (step 'signature').
function walletFailed(e, kind, step, err, again) {
  const w = state.wallet;
  const name = (w && w.name) || '';
  const it = state.integration;
  if (kind === 'declined') {
    post('connectionDeclined', { integrationType: it.type, integrationName: name, reason: step === 'signature' ? 'signatureDeclined' : 'userDeclined',
      errorMessage: String((e && e.message) || 'declined in the wallet') });
    walletErrorScreen('wallet-declined', t('wallet.declinedTitle'), t(step === 'signature' ? 'wallet.declinedSign' : 'wallet.declined', { name }));
    return;
  }
  if (kind === 'timeout') {
    post('defiWalletError', { integrationName: name, errorType: 'timeout', details: {}, timeStamp: Date.now() });
    walletErrorScreen('wallet-timeout', t('wallet.timeoutTitle', { name }), t('wallet.timeout', { name }));
    return;
  }
  const text = t('wallet.failed', { name });
  post('integrationConnectionError', { errorMessage: String((e && e.message) || 'wallet error') });
  if (err && again) {
    showError(err, text);
    again.hidden = false;
    return;
  }
  walletErrorScreen('wallet-error', t('wallet.failedTitle'), text);
}
nav.walletFailed = walletFailed;

function walletErrorScreen(name, title, subtitle) {
  const it = state.integration;
  const actions = [button(t('wallet.tryAgain'), { testid: 'button-try-again', onclick: () => connectWallet(state.wallet) })];
  if (!state.locked) actions.push(button(t('unavailable.chooseAnother'), { testid: 'button-choose-another', variant: 'secondary', onclick: nav.backToCatalog() }));
  else if (connected()) actions.push(button(t('action.close'), { testid: 'button-exit', variant: 'secondary', onclick: () => requestClose() }));
  screen(name, {
    page: 'walletErrorPage',
    back: nav.backToCatalog(),
    hero: h('div', { class: 'integration-hero' }, logoTile(it, 'lg'), h('span', { class: 'hero-mark hero-mark-warn' }, icon('minus', 'icon icon-xs'))),
    title,
    subtitle,
    subtitleTestid: 'wallet-error-message',
    actions,
  });
}

// walletAgain reconnects the chosen wallet (the user may have switched account or
// network in it).
nav.walletAgain = () => connectWallet(state.wallet);
