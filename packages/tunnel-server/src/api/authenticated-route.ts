import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RouteHandler } from '../http/router.js';
import type { UserRecord } from '../registry/types.js';
import { authenticateRequest } from '../users/bearer-auth.js';
import type { UserAuthenticator } from '../users/user-authenticator.js';

export type AuthenticatedHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
  user: UserRecord,
  /** The API token behind the request (Bearer, or the dashboard session's). */
  token: string,
) => void | Promise<void>;

/**
 * Wraps an API route so it only runs for a valid `Authorization: Bearer` token or dashboard
 * session cookie; a session in use gets its idle clock restarted.
 */
export function authenticatedRoute(authenticator: UserAuthenticator, handler: AuthenticatedHandler): RouteHandler {
  return async (req, res, params) => {
    const found = await authenticateRequest(authenticator, req);
    const renewed = found.session && authenticator.sessions.touch(found.session);
    if (renewed) res.setHeader('set-cookie', authenticator.sessions.setCookie(renewed));
    await handler(req, res, params, found.user, found.token);
  };
}
