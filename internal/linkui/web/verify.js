// Wallet verification (verifyWalletOptions): the user picks the address to connect as and
// the network, the wallet signs the link token's message, and linkd checks the address
// and network against the options. The Sandbox is the one wallet a self-hosted linkd
// reaches (its catalog entry has signer: true).
import { h, icon } from './dom.js';
import { t } from './i18n.js';
import { post, connected } from './messaging.js';
import { api } from './api.js';
import { shortAddress } from './format.js';
import { networks, networkById, walletAddress } from './networks.js';
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

// networks are those the options allow: the one named, those of the type named, or all.
function allowedNetworks() {
  const o = vw();
  if (o.networkId) {
    const n = networkById(o.networkId);
    return [n || { id: String(o.networkId).toLowerCase(), name: o.networkId, displayName: o.networkId, networkType: o.networkType || '' }];
  }
  if (o.networkType) return networks().filter((n) => n.networkType === o.networkType);
  return networks().slice();
}

function sameAddress(type, a, b) {
  return type === 'evm' ? a.toLowerCase() === b.toLowerCase() : a === b;
}

// addressesFor: the options' addresses and the wallet's own address on the network type.
function addressesFor(net) {
  const out = [];
  for (const a of vw().addresses || []) if (!out.some((x) => sameAddress(net.networkType, x, a))) out.push(a);
  const own = walletAddress(state.integration, net.networkType);
  if (own && !out.some((x) => sameAddress(net.networkType, x, own))) out.push(own);
  return out;
}

let chosen = { network: null, address: null, other: '' };

export function verifyScreen(initialError) {
  const it = state.integration;
  const nets = allowedNetworks();
  if (!chosen.network || !nets.some((n) => n.id === chosen.network.id)) chosen.network = nets[0];
  const err = formError();
  const addrGroup = h('div', { class: 'radio-list', role: 'radiogroup', 'aria-labelledby': 'verify-addr-label' });
  const otherInput = h('input', {
    class: 'input input-mono', id: 'in-verify-address', testid: 'input-verify-address', autocomplete: 'off', autocapitalize: 'none',
    spellcheck: 'false', placeholder: t('verify.otherPlaceholder'), 'aria-label': t('verify.otherLabel'), value: chosen.other,
  });

  function renderAddresses() {
    addrGroup.replaceChildren();
    const net = chosen.network;
    const list = addressesFor(net);
    if (chosen.address !== 'other' && !list.includes(chosen.address)) chosen.address = list[0] || 'other';
    list.forEach((a, i) => {
      const id = `verify-addr-${i}`;
      const own = a === walletAddress(it, net.networkType);
      const radio = h('input', { type: 'radio', class: 'radio', name: 'verify-address', id, value: a, testid: `verify-address-${a}`, checked: chosen.address === a });
      radio.addEventListener('change', () => { chosen.address = a; showError(err, ''); });
      addrGroup.append(h('label', { class: 'row row-check', for: id }, radio,
        h('span', { class: 'row-main' },
          h('span', { class: 'row-title mono', title: a }, shortAddress(a, 8, 6)),
          h('span', { class: 'row-sub' }, own ? t('verify.walletAddress') : t('verify.requestedAddress', { client: clientName() })))));
    });
    const otherRadio = h('input', { type: 'radio', class: 'radio', name: 'verify-address', id: 'verify-addr-other', value: 'other', testid: 'verify-address-other', checked: chosen.address === 'other' });
    otherRadio.addEventListener('change', () => { chosen.address = 'other'; otherInput.focus(); });
    addrGroup.append(h('label', { class: 'row row-check row-other', for: 'verify-addr-other' }, otherRadio,
      h('span', { class: 'row-main' }, h('span', { class: 'row-title' }, t('verify.other')))));
    addrGroup.append(h('div', { class: 'other-field' }, otherInput));
  }
  otherInput.addEventListener('input', () => {
    chosen.other = otherInput.value;
    chosen.address = 'other';
    const r = addrGroup.querySelector('input[value="other"]');
    if (r) r.checked = true;
    showError(err, '');
  });
  renderAddresses();

  let networkBlock;
  if (nets.length === 1) {
    networkBlock = h('div', { class: 'static-field', testid: `network-${nets[0].id}` }, nets[0].displayName);
  } else {
    networkBlock = h('div', { class: 'chips chips-wrap', role: 'radiogroup', 'aria-labelledby': 'verify-net-label' },
      nets.map((n) => h('button', {
        type: 'button', class: 'chip', role: 'radio', testid: `network-${n.id}`, 'aria-checked': String(n.id === chosen.network.id),
        onclick: (e) => {
          chosen.network = n;
          for (const b of e.currentTarget.parentElement.children) b.setAttribute('aria-checked', String(b === e.currentTarget));
          renderAddresses();
        },
      }, n.displayName)));
  }

  const sign = button(t('verify.sign'), { testid: 'button-sign', type: 'submit', form: 'verify-form' });
  const form = h('form', { class: 'form', id: 'verify-form', novalidate: true },
    h('div', { class: 'message-box' },
      h('div', { class: 'label' }, t('verify.message')),
      h('blockquote', { class: 'message-text', testid: 'verify-message' }, vw().message || '')),
    h('div', { class: 'field' }, h('div', { class: 'label', id: 'verify-net-label' }, t('verify.network')), networkBlock),
    h('div', { class: 'field' }, h('div', { class: 'label', id: 'verify-addr-label' }, t('verify.address')), addrGroup),
    err);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const address = chosen.address === 'other' ? otherInput.value.trim() : chosen.address;
    if (!address) {
      showError(err, t('verify.missingAddress'));
      otherInput.focus();
      return;
    }
    const net = chosen.network;
    busy(sign, async () => {
      showError(err, '');
      const r = await api.verifyWallet({ integrationId: it.id, networkId: net.id, address });
      if (r.ok) {
        post('walletMessageSigned', r.content);
        successScreen(r.content);
        return;
      }
      if (isSessionError(r)) {
        sessionEnded(r);
        return;
      }
      if (r.errorType === 'walletVerificationRejected') {
        post('verifyWalletRejected');
        rejectedScreen(address, net, r);
        return;
      }
      if (r.errorType === 'integrationUnavailable') {
        nav.unavailable(it);
        return;
      }
      const key = r.errorType === 'invalidAddress' ? 'verify.invalidAddress' : 'form.generic';
      showError(err, errorText(r, key, { network: net.displayName }).text);
    });
  });

  screen('verify', {
    page: 'verifyWalletPage',
    back: nav.backToCatalog(),
    hero: integrationHero(it),
    title: t('verify.title'),
    subtitle: t('verify.subtitle', { client: clientName(), name: it.name }),
    body: [form],
    actions: [sign],
  });
  if (initialError) showError(err, initialError);
}

function successScreen(signed) {
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
        h('dd', { class: 'kv-dd' }, h('span', { class: 'kv-value' }, chosen.network.displayName))))],
    actions: [button(t('action.continue'), { testid: 'button-continue', onclick: complete })],
  });
}

function rejectedScreen(address, net, r) {
  const o = vw();
  const reasons = [];
  const wantNet = o.networkId ? networkById(o.networkId) : null;
  if (o.networkId && net.id !== String(o.networkId).toLowerCase()) {
    reasons.push(t('verify.reasonNetwork', { network: wantNet ? wantNet.displayName : o.networkId }));
  } else if (o.networkType && net.networkType !== o.networkType) {
    reasons.push(t('verify.reasonNetworkType', { type: o.networkType }));
  }
  if ((o.addresses || []).length && !(o.addresses || []).some((a) => sameAddress(net.networkType, a, address))) {
    reasons.push(t('verify.reasonAddress'));
  }
  if (!reasons.length) reasons.push(t('verify.reasonGeneric'));
  const actions = [button(t('verify.tryAgain'), { testid: 'button-try-again', onclick: () => verifyScreen() })];
  if (connected()) actions.push(button(t('action.close'), { testid: 'button-exit', variant: 'secondary', onclick: () => requestClose() }));
  screen('verify-rejected', {
    page: 'verifyWalletRejectedPage',
    back: () => verifyScreen(),
    hero: hero('danger', 'ban'),
    title: t('verify.rejectedTitle'),
    subtitle: t('verify.rejectedSubtitle', { client: clientName(), address: shortAddress(address, 8, 6) }),
    body: [h('ul', { class: 'reasons', testid: 'verify-reasons' }, reasons.map((x) => h('li', null, icon('alert', 'icon icon-sm'), h('span', null, x)))),
      (o.addresses || []).length ? h('div', { class: 'allowed' },
        h('div', { class: 'label' }, t('verify.allowedAddresses')),
        h('ul', { class: 'allowed-list' }, o.addresses.map((a) => h('li', { class: 'mono', title: a }, shortAddress(a, 10, 8))))) : null],
    actions,
  });
}
