import { HttpError } from '../http/http-error.js';
import { UserAuthErrorCode, type UserAuthError } from './user-authenticator.js';

/**
 * The HTTP answer to a refused token. API and WebSocket clients get 401 with a Bearer
 * challenge; proxy clients get 407 with a Basic challenge, the only status curl and friends
 * take as "your proxy credentials are wrong". Too many failures are 429 with Retry-After.
 */
export function authRejection(err: UserAuthError, challenge: 'bearer' | 'proxy'): HttpError {
  if (err.code === UserAuthErrorCode.RateLimited) {
    return new HttpError(429, err.code, err.message, { 'Retry-After': String(Math.ceil((err.retryAfterMs ?? 1000) / 1000)) });
  }
  return challenge === 'proxy'
    ? new HttpError(407, err.code, err.message, { 'Proxy-Authenticate': 'Basic realm="tunnel-server"' })
    : new HttpError(401, err.code, err.message, { 'WWW-Authenticate': 'Bearer realm="tunnel-server"' });
}
