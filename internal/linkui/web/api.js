// The Link UI's JSON API (internal/linkui): every call carries the session credential as
// "Authorization: Bearer …". The credential lives in this module's memory only: no
// cookie, no Web Storage, never in a URL.

let base = '';
let bearer = null;
let redemption = null;

export function configure(apiBase) {
  base = apiBase;
}

// Result of a call: ok, the HTTP status, the envelope's content, and on failure its
// errorType, message (for developers) and displayMessage (safe for end users).
async function call(method, path, body) {
  const headers = { Accept: 'application/json' };
  if (bearer) headers.Authorization = 'Bearer ' + bearer;
  const init = { method, headers, credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', redirect: 'error' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(base + path, init);
  } catch {
    return { ok: false, status: 0, content: null, errorType: 'network', message: 'network error', displayMessage: '' };
  }
  let env = null;
  try {
    env = await res.json();
  } catch {
    env = null;
  }
  const ok = res.ok && env !== null && env.status === 'ok';
  return {
    ok,
    status: res.status,
    content: env ? env.content : null,
    errorType: ok ? null : (env && env.errorType) || 'http' + res.status,
    message: (env && env.message) || '',
    displayMessage: (env && env.displayMessage) || '',
  };
}

// redeem exchanges the link token's code for a session, once per page: every caller gets
// the same promise, so a second call (a re-run, a restored page) has no second effect.
export function redeem(clientId, kind, code) {
  if (redemption === null) {
    redemption = call('POST', 'sessions', { clientId, kind, code }).then((r) => {
      if (r.ok && r.content && typeof r.content.sessionToken === 'string') {
        bearer = r.content.sessionToken;
        const info = { ...r.content };
        delete info.sessionToken; // the credential stays here
        return { ...r, content: info };
      }
      return r;
    });
  }
  return redemption;
}

export const api = {
  integrations: () => call('GET', 'integrations'),
  connect: (body) => call('POST', 'connections', body),
  mfa: (connectionId, code) => call('POST', `connections/${encodeURIComponent(connectionId)}/mfa`, { code }),
  selectAccounts: (connectionId, accountIds) =>
    call('POST', `connections/${encodeURIComponent(connectionId)}/accounts`, { accountIds }),
  transferOptions: (connectionId, accountId) =>
    call('GET', `transfers/options?connectionId=${encodeURIComponent(connectionId)}&accountId=${encodeURIComponent(accountId)}`),
  preview: (body) => call('POST', 'transfers', body),
  execute: (previewId) => call('POST', `transfers/${encodeURIComponent(previewId)}/execute`),
  verifyWallet: (body) => call('POST', 'wallet/verify', body),
  signWallet: (body) => call('POST', 'wallet/sign', body),
  connectWallet: (body) => call('POST', 'wallet/connect', body),
};
