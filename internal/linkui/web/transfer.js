// The transfer flow, after an account is connected, when the link token carries
// transferOptions.toAddresses: asset → network (skipped when there is one) → amount
// (skipped when the link token fixes it) → preview → execution.
import { h, icon } from './dom.js';
import { t, tEn } from './i18n.js';
import { post, connected } from './messaging.js';
import { api } from './api.js';
import { fiat, crypto, shortAddress, parseAmount, round8 } from './format.js';
import {
  state, nav, options, clientName, screen, button, formError, showError, hero, busy, complete, errorScreen,
  sessionEnded, isSessionError, errorText, errorTypeOf, integrationHero, requestClose,
} from './core.js';

export function transferRequested() {
  const tr = options().transferOptions;
  return !!(tr && Array.isArray(tr.toAddresses) && tr.toAddresses.length > 0);
}

let T = null; // the transfer in progress

function integrationInfo() {
  const it = state.integration;
  return { integrationType: it.type, integrationName: it.name };
}

export async function startTransfer() {
  const account = state.accounts[0] || { accountId: state.access.accountTokens[0].account.accountId, holdings: [] };
  T = { account, options: [], symbol: null, option: null, amount: null, preview: null, fromAmountScreen: false };
  state.transfer = null;
  post('transferStarted', integrationInfo());
  nav.loading(t('transfer.loading'));
  const r = await api.transferOptions(state.connection.id, account.accountId);
  if (!r.ok) {
    if (isSessionError(r)) {
      sessionEnded(r);
      return;
    }
    post('transferConfigureError', { errorMessage: tEn('error.transferConfigure.message'), errorType: errorTypeOf('transferConfigure', r) });
    errorScreen('transferConfigure', r);
    return;
  }
  T.options = r.content.options || [];
  T.amountInFiat = r.content.amountInFiat || 0;
  T.fundingEnabled = !!r.content.fundingEnabled;
  T.cash = r.content.cash || 0;
  if (!T.options.some((o) => o.eligible)) {
    noAssets();
    return;
  }
  assetScreen();
}

// assets groups the destinations by symbol.
function assets() {
  const bySymbol = new Map();
  for (const o of T.options) {
    const a = bySymbol.get(o.symbol) || { symbol: o.symbol, available: 0, priceUsd: o.priceUsd, eligible: false, options: [] };
    a.available = Math.max(a.available, o.available || 0);
    a.priceUsd = a.priceUsd || o.priceUsd;
    a.eligible = a.eligible || o.eligible;
    a.options.push(o);
    bySymbol.set(o.symbol, a);
  }
  return [...bySymbol.values()];
}

function tokenIcon(symbol) {
  return h('span', { class: 'token-icon', 'aria-hidden': 'true' }, symbol.slice(0, 4));
}

function fromLine() {
  return h('div', { class: 'from-line' }, h('span', { class: 'muted' }, t('transfer.from')), ' ',
    h('strong', null, T.account.accountName || state.integration.name));
}

function assetScreen() {
  const list = assets();
  screen('transfer-asset', {
    page: 'transferAssetPage',
    hero: integrationHero(state.integration),
    title: t('transfer.assetTitle'),
    subtitle: t('transfer.assetSubtitle', { client: clientName() }),
    body: [fromLine(), h('ul', { class: 'rows rows-card', role: 'list' }, list.map((a) => h('li', null,
      h('button', {
        type: 'button', class: `row${a.eligible ? '' : ' row-muted'}`, testid: `asset-${a.symbol}`, disabled: !a.eligible,
        onclick: () => chooseAsset(a),
      },
      tokenIcon(a.symbol),
      h('span', { class: 'row-main' },
        h('span', { class: 'row-title' }, a.symbol),
        h('span', { class: 'row-sub' }, a.eligible
          ? (a.available > 0 ? t('transfer.available', { amount: crypto(a.available, a.symbol) }) : t('transfer.fundWithCash'))
          : t('transfer.noBalance'))),
      a.available > 0 ? h('span', { class: 'row-value' }, fiat(a.available * (a.priceUsd || 0))) : null,
      a.eligible ? icon('chevron', 'icon icon-sm row-chevron') : null))))],
  });
}

function chooseAsset(a) {
  T.symbol = a.symbol;
  T.asset = a;
  post('transferAssetSelected', { symbol: a.symbol });
  const eligible = a.options.filter((o) => o.eligible);
  if (eligible.length === 1) chooseNetwork(eligible[0], true);
  else networkScreen(a);
}

function networkScreen(a) {
  screen('transfer-network', {
    page: 'transferNetworkPage',
    back: assetScreen,
    hero: tokenIcon(a.symbol),
    title: t('transfer.networkTitle'),
    subtitle: t('transfer.networkSubtitle', { symbol: a.symbol }),
    body: [h('ul', { class: 'rows rows-card', role: 'list' }, a.options.map((o) => h('li', null,
      h('button', {
        type: 'button', class: `row${o.eligible ? '' : ' row-muted'}`, testid: `network-${o.networkId}`, disabled: !o.eligible,
        onclick: () => chooseNetwork(o, false),
      },
      h('span', { class: 'network-dot', 'aria-hidden': 'true' }, (o.networkName || '?').slice(0, 1)),
      h('span', { class: 'row-main' },
        h('span', { class: 'row-title' }, o.networkName),
        h('span', { class: 'row-sub' }, t('transfer.toAddress', { address: shortAddress(o.toAddress) }))),
      icon('chevron', 'icon icon-sm row-chevron')))))],
  });
}

function fixedAmount(o) {
  return (o.amount || 0) > 0 || T.amountInFiat > 0;
}

function chooseNetwork(o, single) {
  T.option = o;
  T.singleNetwork = single;
  post('transferNetworkSelected', { id: o.networkId, name: o.networkName });
  if (fixedAmount(o)) {
    // The link token fixes the amount: nothing to enter.
    post('transferAmountEntered');
    T.fromAmountScreen = false;
    previewFixed();
  } else {
    amountScreen();
  }
}

function backFromAmount() {
  return T.singleNetwork ? assetScreen : () => networkScreen(T.asset);
}

// totalText is what leaves the account: the asset, plus the gas when the network charges
// it in another asset (so that the fiat total beside it adds up).
function totalText(p) {
  const gas = p.estimatedNetworkGasFee || {};
  const total = crypto(p.totalAmount, p.symbol);
  return gas.fee > 0 && gas.feeCurrency && gas.feeCurrency !== p.symbol ? `${total} + ${crypto(gas.fee, gas.feeCurrency)}` : total;
}

// maxAmount is what the account can send of the asset, fees included: the server
// computes it from the institution's quote (holding, plus what the cash buys with funding
// enabled, less the fees that come on top).
function maxAmount() {
  return round8(T.option.maxAmount || 0);
}

function amountScreen(initialError) {
  const o = T.option;
  const err = formError();
  const input = h('input', {
    class: 'input input-amount', id: 'in-amount', testid: 'input-amount', inputmode: 'decimal', autocomplete: 'off',
    placeholder: '0', spellcheck: 'false', 'aria-describedby': 'amount-fiat',
    value: T.amount ? String(T.amount) : '',
  });
  const fiatLine = h('div', { class: 'amount-fiat', id: 'amount-fiat', 'aria-live': 'polite' });
  const update = () => {
    const v = parseAmount(input.value);
    fiatLine.textContent = Number.isFinite(v) && v > 0 && o.priceUsd ? `≈ ${fiat(v * o.priceUsd)}` : '\u00a0';
  };
  input.addEventListener('input', () => {
    update();
    showError(err, '');
  });
  update();
  const maxBtn = h('button', {
    type: 'button', class: 'chip chip-small', testid: 'button-max',
    onclick: () => {
      input.value = String(maxAmount());
      update();
      input.focus();
    },
  }, t('transfer.max'));
  const continueBtn = button(t('action.continue'), { testid: 'button-amount-continue', type: 'submit', form: 'amount-form' });
  const form = h('form', { class: 'form', id: 'amount-form', novalidate: true },
    h('label', { class: 'label', for: 'in-amount' }, t('transfer.amountLabel', { symbol: o.symbol })),
    h('div', { class: 'amount-box' }, input, h('span', { class: 'amount-symbol' }, o.symbol)),
    fiatLine,
    h('div', { class: 'balance-line' },
      h('span', { class: 'muted' }, t('transfer.balance')), ' ',
      h('span', { testid: 'balance' }, crypto(o.available || 0, o.symbol)),
      maxBtn),
    T.fundingEnabled && T.cash > 0 ? h('p', { class: 'muted small' }, t('transfer.fundingAvailable', { amount: fiat(T.cash) })) : null,
    err);
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const v = parseAmount(input.value);
    if (!Number.isFinite(v) || v <= 0) {
      showError(err, t('transfer.amountInvalid'));
      input.focus();
      return;
    }
    if (v > maxAmount() + 1e-12) {
      showError(err, t('transfer.amountTooHigh', { amount: crypto(maxAmount(), o.symbol) }));
      input.focus();
      return;
    }
    T.amount = round8(v);
    busy(continueBtn, async () => {
      post('transferAmountEntered');
      T.fromAmountScreen = true;
      const ok = await requestPreview({ amount: T.amount });
      if (!ok.done) {
        showError(err, ok.text);
        input.focus();
      }
    });
  });
  screen('transfer-amount', {
    page: 'transferAmountPage',
    back: backFromAmount(),
    hero: tokenIcon(o.symbol),
    title: t('transfer.amountTitle', { symbol: o.symbol }),
    subtitle: t('transfer.amountSubtitle', { network: o.networkName }),
    body: [form],
    actions: [continueBtn],
    focus: input,
  });
  if (initialError) showError(err, initialError);
}

// requestPreview prices the transfer. On success it shows the preview screen; on failure
// it reports the error (transferPreviewError) and returns the text to show.
async function requestPreview(amount) {
  const o = T.option;
  const body = { connectionId: state.connection.id, accountId: T.account.accountId, networkId: o.networkId, symbol: o.symbol, ...amount };
  const r = await api.preview(body);
  if (r.ok) {
    const p = r.content;
    T.preview = p;
    state.transfer = { previewId: p.previewId, symbol: p.symbol, amount: p.amount, amountInFiat: p.amountInFiat, networkId: p.networkId };
    post('transferPreviewed', sdkPreview(p));
    previewScreen();
    return { done: true };
  }
  if (isSessionError(r)) {
    sessionEnded(r);
    return { done: true };
  }
  let key = 'form.generic';
  if (r.errorType === 'insufficientFunds') key = 'transfer.insufficient';
  else if (r.errorType === 'transferNotAllowed') key = 'transfer.notAllowed';
  else if (r.errorType === 'outOfRange') key = 'transfer.amountInvalid';
  const e = errorText(r, key, { symbol: o.symbol });
  post('transferPreviewError', { errorMessage: e.errorMessage, errorType: e.errorType });
  return { done: false, text: e.text };
}

// sdkPreview is the transferPreviewed payload: the SDK's fields of the preview.
function sdkPreview(p) {
  const keys = ['amount', 'symbol', 'toAddress', 'networkId', 'previewId', 'networkName', 'amountInFiat', 'fiatCurrency',
    'integrationType', 'integrationName', 'estimatedNetworkGasFee', 'institutionTransferFee', 'customClientFee',
    'cryptocurrencyFundingOptions', 'userId', 'clientTransactionId'];
  const out = {};
  for (const k of keys) if (p[k] !== undefined && p[k] !== null && p[k] !== '') out[k] = p[k];
  return out;
}

// previewFixed prices a transfer whose amount the link token fixed (no amount screen).
async function previewFixed() {
  nav.loading(t('transfer.pricing'));
  const r = await requestPreview({});
  if (!r.done) previewFailed(r.text);
}

function previewFailed(text) {
  const err = formError();
  const retry = button(t('transfer.retry'), {
    testid: 'button-retry-preview',
    onclick: () => busy(retry, async () => {
      const r = await requestPreview({});
      if (!r.done) showError(err, r.text);
    }),
  });
  screen('transfer-preview', {
    page: 'transferPreviewPage',
    back: T.singleNetwork ? assetScreen : () => networkScreen(T.asset),
    hero: hero('danger', 'alert'),
    title: t('transfer.previewFailed'),
    error: err,
    actions: [retry],
  });
  showError(err, text);
}

function feeRow(label, fee, testid) {
  const f = fee || {};
  return row(label, h('span', { class: 'kv-value', testid },
    f.fee ? crypto(f.fee, f.feeCurrency) : t('transfer.free'),
    f.fee ? h('span', { class: 'kv-fiat' }, fiat(f.feeInFiat || 0)) : null));
}

function row(label, value) {
  return h('div', { class: 'kv' }, h('dt', { class: 'kv-label' }, label), h('dd', { class: 'kv-dd' }, value));
}

function addressValue(addr, testid) {
  const full = h('span', { class: 'address-full', testid: `${testid}-full`, hidden: true }, addr);
  const short = h('span', { class: 'address-short', title: addr }, shortAddress(addr));
  const btn = h('button', {
    type: 'button', class: 'link-btn link-btn-small', testid: `button-expand-${testid}`, 'aria-expanded': 'false',
    onclick: () => {
      const open = full.hidden;
      full.hidden = !open;
      short.hidden = open;
      btn.setAttribute('aria-expanded', String(open));
      btn.textContent = open ? t('transfer.hide') : t('transfer.show');
    },
  }, t('transfer.show'));
  return h('span', { class: 'address', testid }, short, full, btn);
}

function previewScreen(initialError) {
  const p = T.preview;
  const err = formError();
  const pay = state.kind === 'pay';
  const confirm = button(pay ? t('transfer.confirmPay', { amount: crypto(p.totalAmount, p.symbol) }) : t('transfer.confirm'),
    { testid: 'button-confirm-transfer', onclick: () => execute(confirm, err) });
  const funding = (p.cryptocurrencyFundingOptions || []).filter((f) => f.usedAmountInFiat > 0 || f.usedAmountInCryptocurrency > 0);
  const desc = (options().transferOptions || {}).description;
  const back = T.fromAmountScreen ? () => amountScreen() : (T.singleNetwork ? assetScreen : () => networkScreen(T.asset));
  screen('transfer-preview', {
    page: 'transferPreviewPage',
    back,
    hero: h('div', { class: 'amount-hero' },
      h('div', { class: 'amount-hero-value', testid: 'preview-amount' }, crypto(p.amount, p.symbol)),
      h('div', { class: 'amount-hero-fiat' }, fiat(p.amountInFiat))),
    title: pay ? t('transfer.previewTitlePay') : t('transfer.previewTitle'),
    subtitle: desc || null,
    error: err,
    body: [
      h('dl', { class: 'kv-list' },
        row(t('transfer.to'), addressValue(p.toAddress, 'to-address')),
        p.addressTag ? row(t('transfer.tag'), p.addressTag) : null,
        row(t('transfer.network'), p.networkName),
        row(t('transfer.fromLabel'), T.account.accountName || p.integrationName)),
      h('dl', { class: 'kv-list' },
        row(t('transfer.amount'), h('span', { class: 'kv-value', testid: 'amount' }, crypto(p.amount, p.symbol),
          h('span', { class: 'kv-fiat' }, fiat(p.amountInFiat)))),
        feeRow(t('transfer.networkFee'), p.estimatedNetworkGasFee, 'fee-network'),
        feeRow(t('transfer.institutionFee', { name: p.integrationName }), p.institutionTransferFee, 'fee-institution'),
        feeRow(t('transfer.clientFee', { client: clientName() }), p.customClientFee, 'fee-client'),
        h('div', { class: 'kv kv-total' }, h('dt', { class: 'kv-label' }, t('transfer.total')),
          h('dd', { class: 'kv-dd' }, h('span', { class: 'kv-value', testid: 'total' }, totalText(p),
            h('span', { class: 'kv-fiat' }, fiat(p.totalAmountInFiat)))))),
      p.isInclusiveFee ? h('p', { class: 'note', testid: 'fees-included' }, icon('info', 'icon icon-sm'),
        h('span', null, t('transfer.feesIncluded', { amount: crypto(p.amountReceived, p.symbol) }))) : null,
      funding.map((f) => h('p', { class: 'note', testid: 'funding' }, icon('info', 'icon icon-sm'),
        h('span', null, t('transfer.funding', { fiat: fiat(f.usedAmountInFiat), amount: crypto(f.usedAmountInCryptocurrency, f.cryptocurrencySymbol || p.symbol) })))),
    ],
    actions: [confirm],
  });
  if (initialError) showError(err, initialError);
}

function execute(btn, err) {
  const p = T.preview;
  busy(btn, async () => {
    showError(err, '');
    post('transferInitiated', { ...integrationInfo(), status: 'pending' });
    executingScreen();
    const r = await api.execute(p.previewId);
    if (r.ok) {
      const f = r.content;
      state.transfer = { ...state.transfer, transactionId: f.txId };
      post('transferExecuted', {
        status: f.status, txId: f.txId, fromAddress: f.fromAddress, toAddress: f.toAddress, symbol: f.symbol,
        amount: f.amount, networkId: f.networkId, userId: f.userId, clientTransactionId: f.clientTransactionId,
      });
      post('transferFinished', f);
      successScreen(f);
      return;
    }
    if (isSessionError(r)) {
      sessionEnded(r);
      return;
    }
    let key = 'transfer.executeFailed';
    if (r.errorType === 'insufficientFunds') key = 'transfer.insufficient';
    else if (r.errorType === 'transferPreviewExpired') key = 'transfer.expired';
    else if (r.errorType === 'institutionError') key = 'credentials.institution';
    const e = errorText(r, key, { symbol: p.symbol, name: p.integrationName });
    post('transferExecutionError', { errorMessage: e.errorMessage, errorType: e.errorType });
    if (key === 'transfer.expired') {
      T.fromAmountScreen ? amountScreen(e.text) : previewFailed(e.text);
      return;
    }
    previewScreen(e.text);
  });
}

function executingScreen() {
  screen('transfer-executing', {
    page: 'transferExecutingPage',
    closable: false,
    body: [h('div', { class: 'loading' },
      h('span', { class: 'spinner', 'aria-hidden': 'true' }),
      h('p', { class: 'loading-title', role: 'status', text: t('transfer.executing') }),
      h('p', { class: 'loading-text', text: t('transfer.executingHint') }))],
  });
}

function successScreen(f) {
  const hash = f.txHash || f.txId;
  screen('transfer-success', {
    page: 'transferExecutedPage',
    hero: hero('success', 'check'),
    title: state.kind === 'pay' ? t('transfer.successTitlePay') : t('transfer.successTitle'),
    subtitle: t('transfer.successSubtitle', { amount: crypto(f.amount, f.symbol), network: f.networkName || '' }),
    body: [h('dl', { class: 'kv-list' },
      row(t('transfer.amount'), h('span', { class: 'kv-value' }, crypto(f.amount, f.symbol), h('span', { class: 'kv-fiat' }, fiat(f.amountInFiat || 0)))),
      row(t('transfer.to'), addressValue(f.toAddress, 'success-to-address')),
      row(t('transfer.network'), f.networkName || ''),
      row(t('transfer.txHash'), h('span', { class: 'address', testid: 'tx-hash', title: hash }, h('code', null, shortAddress(hash, 8, 6)))),
      row(t('transfer.status'), h('span', { class: 'status-pill' }, t('transfer.statusSuccess'))))],
    actions: [button(t('action.done'), { testid: 'button-transfer-done', onclick: complete })],
  });
}

function noAssets() {
  const held = (T.account.holdings || []).map((hd) => ({ symbol: hd.symbol, amount: hd.amount, amountInFiat: Math.round(hd.amount * (hd.priceUsd || 0) * 100) / 100 }));
  post('transferNoEligibleAssets', { ...integrationInfo(), noAssetsType: 'noHoldings', arrayOfTokensHeld: held });
  const wanted = [...new Set(T.options.map((o) => o.symbol))].join(', ');
  const actions = [];
  if (nav.canLinkAnother()) actions.push(button(t('success.linkAnother'), { testid: 'button-link-another', onclick: nav.linkAnother }));
  if (connected()) actions.push(button(t('action.close'), { testid: 'button-exit', variant: actions.length ? 'secondary' : 'primary', onclick: () => requestClose() }));
  screen('transfer-no-assets', {
    page: 'transferNoEligibleAssetsPage',
    hero: hero('warn', 'wallet'),
    title: t('transfer.noAssetsTitle'),
    subtitle: t('transfer.noAssetsMessage', { name: state.integration.name, symbols: wanted }),
    actions,
  });
}

nav.startTransfer = startTransfer;
