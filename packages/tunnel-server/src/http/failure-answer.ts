import { storeOutage } from '../store-outage.js';
import { HttpError, HttpErrorCode } from './http-error.js';

/** Seconds a client is asked to wait while a store is unreachable. */
const OUTAGE_RETRY_AFTER_S = 10;

/**
 * The answer to a request whose handler failed: an HttpError it threw is the answer itself; 503
 * with Retry-After and the reason when a shared store does not answer (the client can do nothing
 * but wait); otherwise 500.
 */
export function failureAnswer(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const outage = storeOutage(err);
  if (outage) return new HttpError(503, outage.code, outage.message, { 'Retry-After': String(OUTAGE_RETRY_AFTER_S) });
  return new HttpError(500, HttpErrorCode.Internal, 'internal error; see the server log');
}
