import { AuthErrorCode } from '@tunnel/protocol/auth';
import { authenticatedRoute } from '../api/authenticated-route.js';
import { readJsonBody, remoteAddressOf } from '../http/body.js';
import { HttpError } from '../http/http-error.js';
import { sendError, sendJson, type Router } from '../http/router.js';
import { authRejection } from './auth-rejection.js';
import { UserAuthError, type UserAuthenticator } from './user-authenticator.js';
import { BrowserSessionErrorCode } from './user-errors.js';

export const SESSION_PATH = '/v1/session';

/**
 * The dashboard's login and logout. POST /v1/session {token} checks the token and sets the
 * session cookie; GET tells a reloaded page who it is and its CSRF token (kept in memory only);
 * DELETE logs out.
 */
export function registerSessionRoutes(router: Router, authenticator: UserAuthenticator): void {
  const { sessions } = authenticator;
  router.on('POST', SESSION_PATH, async (req, res) => {
    // A cross-site form cannot send this type, and a cross-site script needs a CORS preflight we never grant.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      sendError(res, 415, BrowserSessionErrorCode.ContentType, 'log in with a JSON body {"token": "…"} and Content-Type: application/json');
      return;
    }
    let token: unknown;
    try {
      token = ((await readJsonBody(req, 4096)) as { token?: unknown } | null)?.token;
    } catch (err) {
      sendError(res, 400, (err as HttpError).code ?? AuthErrorCode.Protocol, (err as Error).message);
      return;
    }
    let user;
    try {
      user = await authenticator.authenticate(typeof token === 'string' && token !== '' ? token : undefined, remoteAddressOf(req), 'paste an API token (tunnel-server user token NAME)');
    } catch (err) {
      if (!(err instanceof UserAuthError)) throw err;
      const refusal = authRejection(err, 'bearer');
      sendError(res, refusal.status, refusal.code, refusal.message, refusal.headers);
      return;
    }
    const session = sessions.create(token as string);
    sendJson(res, 200, { name: user.name, role: user.role, csrf: session.csrf }, { 'set-cookie': sessions.setCookie(session) });
  });
  const whoAmI = authenticatedRoute(authenticator, (req, res, _params, user) => {
    sendJson(res, 200, { name: user.name, role: user.role, csrf: sessions.read(req.headers)?.csrf });
  });
  router.on('GET', SESSION_PATH, (req, res, params) => {
    // Every page load asks; without a session that is the normal answer, not a failed login.
    if (sessions.read(req.headers) === null) {
      sendError(res, 401, BrowserSessionErrorCode.Expired, 'no dashboard session (or it expired); log in');
      return;
    }
    return whoAmI(req, res, params);
  });
  router.on(
    'DELETE',
    SESSION_PATH,
    authenticatedRoute(authenticator, (_req, res) => {
      res.writeHead(204, { 'set-cookie': sessions.clearCookie(), 'cache-control': 'no-store' });
      res.end();
    }),
  );
}
