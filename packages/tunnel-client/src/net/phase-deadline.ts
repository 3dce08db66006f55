import { CodedError } from '@tunnel/protocol/errors';
import { NetErrorCode } from './net-errors.js';

/**
 * Settles with `work`, unless the deadline passes or `signal` aborts first: then `abandon` runs
 * (it must stop the work, e.g. destroy its socket) and the promise rejects with the deadline's
 * error or an ERR_DIAL_ABORTED one. A phase of a connection that the far end can stall forever
 * (a middlebox that accepts TCP and never speaks) must never be awaited without one.
 */
export function withinPhase<T>(
  work: Promise<T>,
  phase: { ms: number; signal?: AbortSignal | undefined; onTimeout(): Error; abandon(): void },
): Promise<T> {
  const { signal } = phase;
  if (signal?.aborted) {
    phase.abandon();
    return Promise.reject(aborted());
  }
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const cut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      phase.abandon();
      reject(phase.onTimeout());
    }, Math.max(1, phase.ms));
    onAbort = () => {
      phase.abandon();
      reject(aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
  return Promise.race([work, cut]).finally(() => {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  });
}

function aborted(): CodedError {
  return new CodedError(NetErrorCode.Aborted, 'the connection attempt was called off');
}
