// walletsverify.mjs lists a user's wallet verifications with Mesh's official Node client,
// @meshconnect/node-api (FrontApi.wallets.v1WalletsVerifyList: GET /api/v1/wallets/verify),
// as a fintech backend checks what its user proved before crediting a self-custody deposit.
//
// Input (environment): LINKD_URL, LINKD_CLIENT_ID, LINKD_CLIENT_SECRET, USER_ID and,
// optionally, ADDRESS. Output: one JSON line, the API's answer ({status, content, …}).
// Run by e2e/browser_wallets_test.go.
import { FrontApi } from '@meshconnect/node-api';

const api = new FrontApi({
  baseURL: process.env.LINKD_URL,
  headers: { 'X-Client-Id': process.env.LINKD_CLIENT_ID, 'X-Client-Secret': process.env.LINKD_CLIENT_SECRET },
});
const query = { UserId: process.env.USER_ID };
if (process.env.ADDRESS) query.Address = process.env.ADDRESS;
try {
  const r = await api.wallets.v1WalletsVerifyList(query);
  console.log(JSON.stringify({ httpStatus: r.status, ...r.data }));
} catch (e) {
  console.log(JSON.stringify({ httpStatus: e.response ? e.response.status : 0, error: String(e), ...(e.response ? e.response.data : {}) }));
  process.exit(1);
}
