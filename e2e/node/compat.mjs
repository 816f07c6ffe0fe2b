// compat.mjs drives a running linkd with Mesh's official Node client, @meshconnect/node-api,
// exactly as a fintech backend written for Mesh would (only the base URL differs), and
// checks every answer against the client's own type definitions (cjs/api.d.ts).
//
// Input (environment): LINKD_URL, LINKD_CLIENT_ID, LINKD_CLIENT_SECRET.
// Output: one JSON line on stdout {"ok", "failures": [...], "results": {...}}; the exit
// status is 1 if any check failed. Run by e2e/compat_test.go (go test ./e2e/).

import { FrontApi } from '@meshconnect/node-api';
import { checks, mustEnv, report } from './dts.mjs';

const baseURL = mustEnv('LINKD_URL');
const clientId = mustEnv('LINKD_CLIENT_ID');
const clientSecret = mustEnv('LINKD_CLIENT_SECRET');

const { failures, check, checkShape, checkOkEnvelope, apiError } = checks();
const results = {};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const api = new FrontApi({
  baseURL,
  headers: { 'X-Client-Id': clientId, 'X-Client-Secret': clientSecret },
});

async function main() {
  // The catalog, as a backend reads it before asking for a transfer.
  const integ = await api.managedAccountAuthentication.v1IntegrationsList();
  checkOkEnvelope(integ, 'v1IntegrationsList');
  checkShape(integ.data.content, 'IntegrationsResponse', 'integrations');
  const items = integ.data.content.items || [];
  check(items.length > 0, 'v1IntegrationsList: no items');
  items.forEach((it, i) => {
    checkShape(it, 'IntegrationModel', `integrations.items[${i}]`);
    check(UUID.test(it.id), `integrations.items[${i}].id: ${it.id} is not a uuid`);
    check(it.name && it.name.length > 0, `integrations.items[${i}].name: empty`);
    check(Array.isArray(it.categories) && it.categories.length > 0, `integrations.items[${i}].categories: empty`);
    checkShape(it.logo, 'IntegrationLogo', `integrations.items[${i}].logo`);
    checkShape(it.style, 'IntegrationStyle', `integrations.items[${i}].style`);
  });
  check(new Set(items.map((i) => i.id)).size === items.length, 'v1IntegrationsList: duplicate ids');
  results.integrations = {
    count: items.length,
    types: items.map((i) => i.type),
    sandboxId: (items.find((i) => i.type === 'sandbox') || {}).id || null,
    logoUrl: items[0] && items[0].logo && items[0].logo.logoLightUrl,
  };

  const nets = await api.managedTransfers.v1TransfersManagedNetworksList();
  checkOkEnvelope(nets, 'v1TransfersManagedNetworksList');
  checkShape(nets.data.content, 'NetworkModelResponse', 'networks');
  const networks = nets.data.content.networks || [];
  check(networks.length > 0, 'v1TransfersManagedNetworksList: no networks');
  networks.forEach((n, i) => {
    checkShape(n, 'NetworkResponseWithIntegrations', `networks[${i}]`);
    check(UUID.test(n.id), `networks[${i}].id: ${n.id} is not a uuid`);
    check(n.supportedTokens && n.supportedTokens.length > 0, `networks[${i}].supportedTokens: empty`);
    (n.tokens || []).forEach((tok, j) => checkShape(tok, 'NetworkResponseToken', `networks[${i}].tokens[${j}]`));
  });
  results.networks = { count: networks.length, names: networks.map((n) => n.name), types: networks.map((n) => n.networkType) };

  // A destination a backend would pick: Ethereum, USDC, and a valid (EIP-55 checksummed)
  // address from the same answer: USDC's own contract address.
  const eth = networks.find((n) => n.networkType === 'evm' && n.name === 'Ethereum');
  const usdc = eth && (eth.tokens || []).find((t) => t.symbol === 'USDC');
  const address = (usdc && usdc.contractAddress) || '0x52908400098527886E0F7030069857D2E4169EE7';
  if (!check(eth && eth.supportedTokens.includes('USDC'), 'networks: no Ethereum network with USDC')) return;
  if (eth.addressPattern) check(new RegExp(eth.addressPattern).test(address), `networks: Ethereum addressPattern ${eth.addressPattern} refuses ${address}`);

  // The plain request of the seed document.
  const plain = await api.managedAccountAuthentication.v1LinktokenCreate({ userId: 'e2e-user-plain' });
  checkOkEnvelope(plain, 'v1LinktokenCreate(plain)');
  checkShape(plain.data.content, 'LinkTokenModel', 'linktoken(plain)');
  check(typeof plain.data.content.linkToken === 'string' && plain.data.content.linkToken.length > 0, 'linktoken(plain): linkToken is not a non-empty string');
  check(plain.data.content.paymentLink === null, `linktoken(plain): paymentLink ${JSON.stringify(plain.data.content.paymentLink)}, want null`);
  results.plain = plain.data.content;

  // Every option of GetLinkTokenRequest, typed as node-api types it.
  /** @type {import('@meshconnect/node-api').GetLinkTokenRequest} */
  const full = {
    userId: 'e2e-user-full',
    integrationId: results.integrations.sandboxId,
    restrictMultipleAccounts: true,
    disableApiKeyGeneration: true,
    transferOptions: {
      toAddresses: [{ networkId: eth.id, symbol: 'USDC', address, amount: 25.5, displayAmountInFiat: 25.5 }],
      amountInFiat: 25.5,
      transactionId: 'order-0042',
      clientFee: 0.025,
      transferType: 'payment',
      fundingOptions: { enabled: true },
      isInclusiveFeeEnabled: false,
      description: 'E2E order 42',
      goodsDetails: [{ goodsType: '01', goodsCategory: 'Electronics', referenceGoodsId: 'sku-1', goodsName: 'Widget', goodsDetail: 'Blue' }],
      generatePayLink: true,
    },
  };
  const withTransfer = await api.managedAccountAuthentication.v1LinktokenCreate(full);
  checkOkEnvelope(withTransfer, 'v1LinktokenCreate(transferOptions)');
  checkShape(withTransfer.data.content, 'LinkTokenModel', 'linktoken(transferOptions)');
  check(typeof withTransfer.data.content.paymentLink === 'string', 'linktoken(transferOptions): paymentLink is not a string although generatePayLink was true');
  results.transfer = { ...withTransfer.data.content, request: full };

  // What the web SDK does with a token: atob, a protocol check, then its own
  // appendQueryParam for lng, fiatCur, th and rt (Link.js), with the SDK's real function.
  const linkUrl = Buffer.from(plain.data.content.linkToken, 'base64').toString('latin1');
  check(linkUrl === atob(plain.data.content.linkToken), 'linkToken: Buffer and atob decode differently');
  check(linkUrl.startsWith('http://') || linkUrl.startsWith('https://'), `linkToken: decodes to ${linkUrl}, which the SDK refuses (not http(s)://)`);
  try {
    const sdkUrl = await import(new URL('../node_modules/@meshconnect/web-link-sdk/utils/url.js', import.meta.url));
    let u = sdkUrl.appendQueryParam(linkUrl, 'lng', 'en');
    u = sdkUrl.appendQueryParam(u, 'fiatCur', 'USD');
    u = sdkUrl.appendQueryParam(u, 'th', 'dark');
    u = sdkUrl.appendQueryParam(u, 'rt', 'embedded');
    results.sdkUrl = u;
  } catch (err) {
    failures.push(`cannot load @meshconnect/web-link-sdk/utils/url.js (Node ≥ 20.19 needed): ${err.message}`);
  }

  // Mistakes a developer makes: axios rejects, and the envelope says what is wrong.
  const bad = [
    { name: 'missing userId', body: {}, errorType: 'missingField', field: 'userId' },
    { name: 'userId too long', body: { userId: 'u'.repeat(51) }, errorType: 'fieldTooLong', field: 'userId' },
    { name: 'bad address', body: { userId: 'u1', transferOptions: { toAddresses: [{ networkId: eth.id, symbol: 'USDC', address: '0x1234' }] } }, errorType: 'invalidAddress', field: 'address' },
    { name: 'unknown network', body: { userId: 'u1', transferOptions: { toAddresses: [{ networkId: '00000000-0000-4000-8000-000000000000', symbol: 'USDC', address }] } }, errorType: 'networkNotFound', field: 'networkId' },
  ];
  results.badRequests = [];
  for (const b of bad) {
    const res = await apiError(`bad request (${b.name})`, () => api.managedAccountAuthentication.v1LinktokenCreate(b.body));
    if (!res) continue;
    const d = res.data || {};
    results.badRequests.push({ name: b.name, httpStatus: res.status, status: d.status, errorType: d.errorType, message: d.message, displayMessage: d.displayMessage });
    check(res.status === 400, `bad request (${b.name}): HTTP ${res.status}, want 400`);
    check(d.status === 'badRequest', `bad request (${b.name}): status ${d.status}, want badRequest`);
    check(d.errorType === b.errorType, `bad request (${b.name}): errorType ${d.errorType}, want ${b.errorType}`);
    check(typeof d.message === 'string' && d.message.includes(b.field), `bad request (${b.name}): message ${JSON.stringify(d.message)} does not name ${b.field}`);
    check(typeof d.displayMessage === 'string' && d.displayMessage.length > 0, `bad request (${b.name}): displayMessage ${JSON.stringify(d.displayMessage)}`);
    check(d.content === null, `bad request (${b.name}): content ${JSON.stringify(d.content)}, want null`);
  }

  // Wrong credentials, on every endpoint the script uses.
  const wrong = new FrontApi({ baseURL, headers: { 'X-Client-Id': clientId, 'X-Client-Secret': clientSecret + 'x' } });
  results.wrongCredentials = [];
  for (const [name, call] of [
    ['v1LinktokenCreate', () => wrong.managedAccountAuthentication.v1LinktokenCreate({ userId: 'u1' })],
    ['v1IntegrationsList', () => wrong.managedAccountAuthentication.v1IntegrationsList()],
  ]) {
    const res = await apiError(`wrong credentials (${name})`, call);
    if (!res) continue;
    const d = res.data || {};
    results.wrongCredentials.push({ name, httpStatus: res.status, status: d.status, errorType: d.errorType });
    check(res.status === 401, `wrong credentials (${name}): HTTP ${res.status}, want 401`);
    check(d.status === 'permissionDenied', `wrong credentials (${name}): status ${d.status}, want permissionDenied`);
    check(d.errorType === 'invalidCredentials', `wrong credentials (${name}): errorType ${d.errorType}, want invalidCredentials`);
  }
}

await report(main, failures, results);
