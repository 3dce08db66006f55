// The JSON API with the session's token (kept in sessionStorage: gone when the tab closes).
const tokenKey = 'tunnel.token';

export const session = {
  token: () => sessionStorage.getItem(tokenKey),
  set: (token) => sessionStorage.setItem(tokenKey, token),
  clear: () => sessionStorage.removeItem(tokenKey),
};

async function call(path, options = {}) {
  const res = await fetch(path, { ...options, headers: { authorization: `Bearer ${session.token()}` }, cache: 'no-store' });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    const err = new Error(body.error?.message ?? `HTTP ${res.status}`);
    err.status = res.status;
    err.code = body.error?.code;
    throw err;
  }
  return res;
}

export async function api(path, options) {
  return (await call(path, options)).json();
}

export async function apiText(path) {
  return (await call(path)).text();
}
