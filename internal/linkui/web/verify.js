// Wallet verification (verifyWalletOptions): a wallet signs the link token's message and
// linkd checks the signature (POST /link/api/wallet/verify), the address and the network
// against the options. Two kinds of wallet sign:
//   - a browser wallet (wallets.js), connected first (walletflow.js): its address and
//     network are the wallet's;
//   - the Sandbox, a wallet on the server with public test keys: its address is fixed per
//     network, and the user picks the network (POST /link/api/wallet/sign signs).
// Before asking for a signature the page checks the address and network itself, so that
// nobody signs in vain (the server checks again: it trusts nothing the page says).
import { h, icon } from './dom.js';
import { t } from './i18n.js';
import { post, connected } from './messaging.js';
import { api } from './api.js';
import { shortAddress } from './format.js';
import { networks, networkById, walletAddress } from './networks.js';
import { errorKind, sign } from './wallets.js';
import {
  state, nav, options, clientName, screen, button, formError, showError, hero, busy, complete, sessionEnded,
  isSessionError, errorText, integrationHero, requestClose,
} from './core.js';

export function verifyRequested() {
  return !!options().verifyWalletOptions;
}

function vw() {
  return options().verifyWalletOptions || {};
}

// SIGNED_TYPES are the network types whose signatures linkd verifies.
const SIGNED_TYPES = ['evm', 'solana'];

// allowedNetworks are those the options allow (the one named, those of the type named,
// or all) among those linkd verifies signatures on.
export function allowedNetworks() {
  const o = vw();
  let list = networks().slice();
  if (o.networkId) list = list.filter((n) => n.id === String(o.networkId).toLowerCase());
  else if (o.networkType) list = list.filter((n) => n.networkType === o.networkType);
  return list.filter((n) => SIGNED_TYPES.includes(n.networkType));
}

function sameAddress(type, a, b) {
  return type === 'evm' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

// mismatch is what the options refuse about an address on a network: the
// defiWalletError verifyMismatch details, or null when both are allowed.
export function mismatch(address, net) {
  const o = vw();
  const wanted = o.addresses || [];
  const netOK = net && (!o.networkId || net.id === String(o.networkId).toLowerCase()) && (!o.networkType || net.networkType === o.networkType);
  const addrOK = !wanted.length || (net && wanted.some((a) => sameAddress(net.networkType, a, address)));
  if (netOK && addrOK) return null;
  const want = o.networkId ? networkById(o.networkId) : null;
  const d = { connectedAddress: address, connectedNetwork: net ? net.displayName : '' };
  if (!addrOK) d.requestedAddress = wanted[0];
  if (!netOK) d.requestedNetwork = want ? want.displayName : (o.networkType || '');
  return d;
}

// reportMismatch posts what the SDK hears of a refused address or network.
function reportMismatch(details) {
  post('verifyWalletRejected');
  post('defiWalletError', { integrationName: walletName(), errorType: 'verifyMismatch', details, timeStamp: Date.now() });
}

function walletName() {
  return (state.wallet && state.wallet.name) || (state.integration && state.integration.name) || '';
}

let chosenNetwork = null;

// verifyScreen asks for the signature. With a browser wallet (state.wallet and
// state.connectedWallet set) address and network are the wallet's; with the Sandbox the
// user picks the network.
export function verifyScreen(initialError) {
  const it = state.integration;
  const browser = !!state.wallet;
  const nets = allowedNetworks();
  if (!browser && !nets.length) {
    nav.unavailable(it, t('verify.noNetwork'));
    return;
  }
  if (!chosenNetwork || !nets.some((n) => n.id === chosenNetwork.id)) chosenNetwork = nets[0];
  const err = formError();
  const addrValue = h('span', { class: 'kv-value mono', testid: 'verify-address' });
  const netBlock = h('div', { class: 'field' }, h('div', { class: 'label', id: 'verify-net-label' }, t('verify.network')));
  const current = () => (browser
    ? { address: state.connectedWallet.address, net: state.connectedWallet.network }
    : { address: walletAddress(it, chosenNetwork.networkType), net: chosenNetwork });
  const showAddress = () => {
    const { address } = current();
    addrValue.textContent = shortAddress(address || '', 8, 6);
    addrValue.title = address || '';
  };
  if (browser || nets.length === 1) {
    const n = current().net;
    netBlock.append(h('div', { class: 'static-field', testid: `network-${n.id}` }, n.displayName));
  } else {
    netBlock.append(h('div', { class: 'chips chips-wrap', role: 'radiogroup', 'aria-labelledby': 'verify-net-label' },
      nets.map((n) => h('button', {
        type: 'button', class: 'chip', role: 'radio', testid: `network-${n.id}`, 'aria-checked': String(n.id === chosenNetwork.id),
        onclick: (e) => {
          chosenNetwork = n;
          for (const b of e.currentTarget.parentElement.children) b.setAttribute('aria-checked', String(b === e.currentTarget));
          showAddress();
          showError(err, '');
        },
      }, n.displayName))));
  }
  showAddress();

  const signBtn = button(t('verify.sign'), { testid: 'button-sign', type: 'submit', form: 'verify-form' });
  const form = h('form', { class: 'form', id: 'verify-form', novalidate: true },
    h('div', { class: 'message-box' },
      h('div', { class: 'label' }, t('verify.message')),
      h('blockquote', { class: 'message-text', testid: 'verify-message' }, vw().message || '')),
    netBlock,
    h('dl', { class: 'kv-list' }, h('div', { class: 'kv' },
      h('dt', { class: 'kv-label' }, browser ? t('verify.connectedAs', { name: walletName() }) : t('verify.walletAddress')),
      h('dd', { class: 'kv-dd' }, addrValue))),
    err);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const { address, net } = current();
    const m = mismatch(address, net);
    if (m) {
      reportMismatch(m);
      mismatchScreen(address, net, m);
      return;
    }
    busy(signBtn, async () => {
      showError(err, '');
      let signature;
      if (browser) {
        showError(err, '');
        signBtn.querySelector('.btn-label').textContent = t('verify.confirmInWallet', { name: walletName() });
        try {
          signature = await sign(state.wallet, address, vw().message || '');
        } catch (e2) {
          signBtn.querySelector('.btn-label').textContent = t('verify.sign');
          nav.walletFailed(e2, errorKind(e2), 'signature');
          return;
        }
      } else {
        const s = await api.signWallet({ integrationId: it.id, networkId: net.id, address });
        if (!s.ok) {
          failed(s, err, net);
          return;
        }
        signature = s.content.signature;
      }
      const r = await api.verifyWallet({ integrationId: it.id, networkId: net.id, address, signature, walletName: walletName() });
      if (r.ok) {
        post('walletMessageSigned', r.content);
        successScreen(r.content, net);
        return;
      }
      if (r.errorType === 'walletVerificationRejected' || r.errorType === 'walletSignatureInvalid') {
        const m2 = mismatch(address, net);
        if (m2) reportMismatch(m2);
        else post('verifyWalletRejected');
        rejectedScreen(address, net, r);
        return;
      }
      failed(r, err, net);
    });
  });

  screen('verify', {
    page: 'verifyWalletPage',
    back: browser ? () => nav.walletAgain() : nav.backToCatalog(),
    hero: integrationHero(it),
    title: t('verify.title'),
    subtitle: t('verify.subtitle', { client: clientName(), name: walletName() }),
    body: [form],
    actions: [signBtn],
  });
  if (initialError) showError(err, initialError);
}

function failed(r, err, net) {
  if (isSessionError(r)) {
    sessionEnded(r);
    return;
  }
  if (r.errorType === 'integrationUnavailable') {
    nav.unavailable(state.integration);
    return;
  }
  const key = r.errorType === 'invalidAddress' ? 'verify.invalidAddress' : 'form.generic';
  showError(err, errorText(r, key, { network: net.displayName }).text);
}

function successScreen(signed, net) {
  post('verifyDonePage');
  screen('verify-success', {
    page: 'verifyDonePage',
    hero: hero('success', 'shield'),
    title: t('verify.successTitle'),
    subtitle: t('verify.successSubtitle', { client: clientName() }),
    body: [h('dl', { class: 'kv-list' },
      h('div', { class: 'kv' }, h('dt', { class: 'kv-label' }, t('verify.address')),
        h('dd', { class: 'kv-dd' }, h('span', { class: 'kv-value mono', testid: 'verified-address', title: signed.address }, shortAddress(signed.address, 8, 6)))),
      h('div', { class: 'kv' }, h('dt', { class: 'kv-label' }, t('verify.network')),
        h('dd', { class: 'kv-dd' }, h('span', { class: 'kv-value', testid: 'verified-network' }, net.displayName))))],
    actions: [button(t('action.continue'), { testid: 'button-continue', onclick: complete })],
  });
}

// reasons explains a refusal, in the user's words.
function reasons(address, net, r) {
  const o = vw();
  const out = [];
  const wantNet = o.networkId ? networkById(o.networkId) : null;
  if (o.networkId && (!net || net.id !== String(o.networkId).toLowerCase())) {
    out.push(t('verify.reasonNetwork', { network: wantNet ? wantNet.displayName : o.networkId }));
  } else if (o.networkType && (!net || net.networkType !== o.networkType)) {
    out.push(t('verify.reasonNetworkType', { type: o.networkType }));
  }
  if ((o.addresses || []).length && !(o.addresses || []).some((a) => net && sameAddress(net.networkType, a, address))) {
    out.push(t('verify.reasonAddress'));
  }
  if (r && r.errorType === 'walletSignatureInvalid') out.push(t('verify.reasonSignature'));
  if (!out.length) out.push(t('verify.reasonGeneric'));
  return h('ul', { class: 'reasons', testid: 'verify-reasons' }, out.map((x) => h('li', null, icon('alert', 'icon icon-sm'), h('span', null, x))));
}

function allowedList() {
  const o = vw();
  return (o.addresses || []).length ? h('div', { class: 'allowed' },
    h('div', { class: 'label' }, t('verify.allowedAddresses')),
    h('ul', { class: 'allowed-list' }, o.addresses.map((a) => h('li', { class: 'mono', title: a }, shortAddress(a, 10, 8))))) : null;
}

function retryActions(label) {
  const again = () => (state.wallet ? nav.walletAgain() : verifyScreen());
  const actions = [button(label, { testid: 'button-try-again', onclick: again })];
  if (connected()) actions.push(button(t('action.close'), { testid: 'button-exit', variant: 'secondary', onclick: () => requestClose() }));
  return actions;
}

// mismatchScreen: the wallet is connected as an address or on a network the options do
// not allow; nothing was signed.
function mismatchScreen(address, net, details) {
  screen('verify-mismatch', {
    page: 'verifyWalletRejectedPage',
    back: state.wallet ? () => nav.walletAgain() : () => verifyScreen(),
    hero: hero('danger', 'ban'),
    title: t('verify.mismatchTitle'),
    subtitle: details.requestedAddress
      ? t('verify.mismatchAddress', { client: clientName(), address: shortAddress(address, 8, 6), name: walletName() })
      : t('verify.mismatchNetwork', { client: clientName(), network: details.requestedNetwork, name: walletName() }),
    body: [reasons(address, net, null), allowedList()],
    actions: retryActions(t('verify.switchAndRetry')),
  });
}

function rejectedScreen(address, net, r) {
  screen('verify-rejected', {
    page: 'verifyWalletRejectedPage',
    back: state.wallet ? () => nav.walletAgain() : () => verifyScreen(),
    hero: hero('danger', 'ban'),
    title: t('verify.rejectedTitle'),
    subtitle: t('verify.rejectedSubtitle', { client: clientName(), address: shortAddress(address, 8, 6) }),
    body: [reasons(address, net, r), allowedList()],
    actions: retryActions(t('verify.tryAgain')),
  });
}
