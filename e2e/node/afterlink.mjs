// afterlink.mjs is what a backend built on Mesh does after Link, with the official
// @meshconnect/node-api client against linkd (only the base URL differs): it confirms a
// transfer the browser reported by listing transfers with its transaction id until the
// transfer is final, reads the connected account's holdings and balance with the access
// token, refreshes the token, and checks every answer against the package's api.d.ts.
//
// Input (environment): LINKD_URL, LINKD_CLIENT_ID, LINKD_CLIENT_SECRET, and what the page
// got from the SDK: CLIENT_TRANSACTION_ID, TRANSFER_ID, TX_HASH (onTransferFinished),
// ACCESS_TOKEN, REFRESH_TOKEN (onIntegrationConnected); WANT_STATUS, the final status to
// wait for (succeeded or failed).
// Output: one JSON line {"ok", "failures", "results"}; exit status 1 if a check failed.
// Run by e2e/browser_checks_test.go.

import { FrontApi } from '@meshconnect/node-api';
import { checks, mustEnv, report } from './dts.mjs';

const api = new FrontApi({
  baseURL: mustEnv('LINKD_URL'),
  headers: { 'X-Client-Id': mustEnv('LINKD_CLIENT_ID'), 'X-Client-Secret': mustEnv('LINKD_CLIENT_SECRET') },
});
const txn = mustEnv('CLIENT_TRANSACTION_ID');
const transferId = mustEnv('TRANSFER_ID');
const txHash = mustEnv('TX_HASH');
const accessToken = mustEnv('ACCESS_TOKEN');
const refreshToken = mustEnv('REFRESH_TOKEN');
const wantStatus = mustEnv('WANT_STATUS');

const { failures, check, checkShape, checkOkEnvelope, apiError } = checks();
const results = { statuses: [] };

async function main() {
  // 1. Confirm the transfer server to server: by ClientTransactionId, until it is final.
  const deadline = Date.now() + 20000;
  let t;
  for (;;) {
    const res = await api.managedTransfers.v1TransfersManagedMeshList({ ClientTransactionId: txn, Count: 10 });
    checkOkEnvelope(res, 'v1TransfersManagedMeshList');
    checkShape(res.data.content, 'TransferModelPaginationResponse', 'transfers');
    const items = res.data.content.items || [];
    check(res.data.content.total === 1 && items.length === 1, `transfers by ClientTransactionId ${txn}: total ${res.data.content.total}, ${items.length} items; want 1`);
    t = items[0];
    if (!t) return;
    checkShape(t, 'TransferModel', 'transfers.items[0]');
    if (results.statuses.at(-1) !== t.status) results.statuses.push(t.status);
    if (t.status !== 'pending' || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  results.transfer = t;
  check(t.status === wantStatus, `transfer status ${t.status}, want ${wantStatus} (statuses seen: ${results.statuses})`);
  check(t.id === transferId, `transfer id ${t.id}, want onTransferFinished's transferId ${transferId}`);
  check(t.hash === txHash, `transfer hash ${t.hash}, want onTransferFinished's txHash ${txHash}`);
  check(t.clientTransactionId === txn, `clientTransactionId ${t.clientTransactionId}, want ${txn}`);
  check(t.from && t.from.type === 'sandbox', `from ${JSON.stringify(t.from)}, want the sandbox`);

  // The same transfer by its id, and by its hash; none for another transaction id.
  const byId = await api.managedTransfers.v1TransfersManagedMeshList({ Id: transferId });
  check(byId.data.content.total === 1, `transfers by Id: total ${byId.data.content.total}, want 1`);
  const byHash = await api.managedTransfers.v1TransfersManagedMeshList({ Hash: txHash, Statuses: [wantStatus] });
  check(byHash.data.content.total === 1, `transfers by Hash and Statuses: total ${byHash.data.content.total}, want 1`);
  const none = await api.managedTransfers.v1TransfersManagedMeshList({ ClientTransactionId: `${txn}-other` });
  check(none.data.content.total === 0, `transfers of an unknown transaction id: total ${none.data.content.total}, want 0`);
  const bad = await apiError('v1TransfersManagedMeshList(Count 101)', () => api.managedTransfers.v1TransfersManagedMeshList({ Count: 101 }));
  if (bad) check(bad.status === 400 && bad.data.errorType === 'outOfRange' && /Count/.test(bad.data.message), `Count 101: HTTP ${bad.status} ${JSON.stringify(bad.data)}`);

  // 2. The connected account, with the access token from onIntegrationConnected.
  const holdings = await api.portfolio.v1HoldingsGetCreate({ authToken: accessToken, type: 'sandbox', includeMarketValue: true });
  checkOkEnvelope(holdings, 'v1HoldingsGetCreate');
  checkShape(holdings.data.content, 'HoldingsModel', 'holdings');
  const positions = holdings.data.content.cryptocurrencyPositions || [];
  positions.forEach((p, i) => checkShape(p, 'PositionWithMarketValue', `holdings.cryptocurrencyPositions[${i}]`));
  const usdc = positions.find((p) => p.symbol === 'USDC');
  check(usdc && usdc.amount > 0 && usdc.marketValue > 0, `holdings: USDC position ${JSON.stringify(usdc)}`);
  results.holdings = { accountId: holdings.data.content.accountId, positions: positions.length };

  const balance = await api.balance.v1BalanceGetCreate({ authToken: accessToken, type: 'sandbox' });
  checkOkEnvelope(balance, 'v1BalanceGetCreate');

  // 3. A new access token from the refresh token; the old one stops working.
  const refreshed = await api.managedAccountAuthentication.v1TokenRefreshCreate({ type: 'sandbox', refreshToken });
  checkOkEnvelope(refreshed, 'v1TokenRefreshCreate');
  checkShape(refreshed.data.content, 'B2BBrokerRefreshTokenResponse', 'refresh');
  const fresh = refreshed.data.content.accessToken;
  check(typeof fresh === 'string' && fresh !== accessToken, 'refresh: no new access token');
  const old = await apiError('v1HoldingsGetCreate(old access token)', () => api.portfolio.v1HoldingsGetCreate({ authToken: accessToken, type: 'sandbox' }));
  if (old) check(old.status === 401 && old.data.errorType === 'authTokenInvalid', `old access token: HTTP ${old.status} ${old.data.errorType}`);
  const again = await api.portfolio.v1HoldingsGetCreate({ authToken: fresh, type: 'sandbox' });
  checkOkEnvelope(again, 'v1HoldingsGetCreate(new access token)');
}

await report(main, failures, results);
