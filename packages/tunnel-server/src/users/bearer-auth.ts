import type { IncomingMessage } from 'node:http';
import { HttpError } from '../http/http-error.js';
import type { UserRecord } from '../registry/types.js';
import { authRejection } from './auth-rejection.js';
import { BrowserSessions, CSRF_HEADER, type BrowserSession } from './browser-sessions.js';
import { bearerToken } from './token-headers.js';
import { UserAuthError, type UserAuthenticator } from './user-authenticator.js';
import { BrowserSessionErrorCode } from './user-errors.js';

const TOKEN_HINT = 'send it as `Authorization: Bearer <token>` (tunnel-client login stores it)';

/** The user behind a request's Bearer token; a refusal is thrown as a ready HttpError (401/429). */
export async function authenticateBearer(authenticator: UserAuthenticator, req: IncomingMessage): Promise<UserRecord> {
  return (await authenticateToken(authenticator, req, bearerToken(req.headers), TOKEN_HINT)).user;
}

export interface RequestUser {
  user: UserRecord;
  /** The API token the request was made with (the Bearer token, or the one the session holds). */
  token: string;
  /** The dashboard session the request came with, when it did not send a Bearer token. */
  session: BrowserSession | null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD']);

/**
 * The API's way in: a Bearer token (CLI, scripts), or else the dashboard's session cookie. A
 * state-changing request on the cookie must also carry the session's CSRF token, which a page
 * on another site cannot know (SameSite=Strict already keeps the cookie off cross-site requests).
 */
export async function authenticateRequest(authenticator: UserAuthenticator, req: IncomingMessage): Promise<RequestUser> {
  const bearer = bearerToken(req.headers);
  if (bearer !== undefined || req.headers.cookie === undefined) return authenticateToken(authenticator, req, bearer, TOKEN_HINT);
  const session = authenticator.sessions.read(req.headers);
  if (session === null) {
    throw new HttpError(401, BrowserSessionErrorCode.Expired, 'your dashboard session has expired (15 min idle or 8 h after login) or is not valid here; log in again');
  }
  if (!SAFE_METHODS.has(req.method ?? 'GET') && !BrowserSessions.csrfMatches(session, req.headers)) {
    throw new HttpError(403, BrowserSessionErrorCode.Csrf, `a ${req.method ?? ''} with the dashboard's session cookie needs the session's CSRF token in the ${CSRF_HEADER} header`);
  }
  return { ...(await authenticateToken(authenticator, req, session.token, 'log in to the dashboard again')), session };
}

async function authenticateToken(authenticator: UserAuthenticator, req: IncomingMessage, token: string | undefined, hint: string): Promise<RequestUser> {
  try {
    const user = await authenticator.authenticate(token, req.socket.remoteAddress ?? 'unknown', hint);
    return { user, token: token ?? '', session: null };
  } catch (err) {
    throw err instanceof UserAuthError ? authRejection(err, 'bearer') : err;
  }
}
