// The JSON API with the dashboard's session: an HttpOnly cookie the page cannot read, plus the
// session's CSRF token, which the page keeps in memory only and sends on state-changing requests.
let csrf = null;

async function call(path, options = {}) {
  const method = options.method ?? 'GET';
  const headers = { ...(options.body ? { 'content-type': 'application/json' } : {}), ...(method === 'GET' || !csrf ? {} : { 'x-csrf-token': csrf }) };
  const res = await fetch(path, { ...options, method, headers, credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    const err = new Error(body.error?.message ?? `HTTP ${res.status}`);
    err.status = res.status;
    err.code = body.error?.code;
    throw err;
  }
  return res;
}

export const session = {
  loggedIn: () => csrf !== null,
  /** Exchanges a pasted token for the session cookie; the token is not kept by the page. */
  async login(token) {
    const me = await (await call('/v1/session', { method: 'POST', body: JSON.stringify({ token }) })).json();
    csrf = me.csrf;
    return me;
  },
  /** The session a reloaded page still has (its cookie), or a 401. */
  async resume() {
    const me = await (await call('/v1/session')).json();
    csrf = me.csrf;
    return me;
  },
  async logout() {
    if (csrf !== null) await call('/v1/session', { method: 'DELETE' }).catch(() => undefined);
    csrf = null;
  },
};

export async function api(path, options) {
  return (await call(path, options)).json();
}

export async function apiText(path) {
  return (await call(path)).text();
}
