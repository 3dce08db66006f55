import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError } from '../http/http-error.js';
import { sendError, type RouteHandler } from '../http/router.js';
import type { UserRecord } from '../registry/types.js';
import { authenticateBearer } from '../users/bearer-auth.js';
import type { UserAuthenticator } from '../users/user-authenticator.js';

export type AuthenticatedHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>, user: UserRecord) => void | Promise<void>;

/** Wraps an API route so it only runs for a valid `Authorization: Bearer` token. */
export function authenticatedRoute(authenticator: UserAuthenticator, handler: AuthenticatedHandler): RouteHandler {
  return async (req, res, params) => {
    let user: UserRecord;
    try {
      user = await authenticateBearer(authenticator, req);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      sendError(res, err.status, err.code, err.message, err.headers);
      return;
    }
    await handler(req, res, params, user);
  };
}
