import type { IncomingMessage } from 'node:http';
import type { UserRecord } from '../registry/types.js';
import { authRejection } from './auth-rejection.js';
import { bearerToken } from './token-headers.js';
import { UserAuthError, type UserAuthenticator } from './user-authenticator.js';

const TOKEN_HINT = 'send it as `Authorization: Bearer <token>` (tunnel-client login stores it)';

/** The user behind a request's Bearer token; a refusal is thrown as a ready HttpError (401/429). */
export async function authenticateBearer(authenticator: UserAuthenticator, req: IncomingMessage): Promise<UserRecord> {
  try {
    return await authenticator.authenticate(bearerToken(req.headers), req.socket.remoteAddress ?? 'unknown', TOKEN_HINT);
  } catch (err) {
    throw err instanceof UserAuthError ? authRejection(err, 'bearer') : err;
  }
}
