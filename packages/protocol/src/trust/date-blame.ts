import { describeClockOffset, type ClockOffsetEstimate } from './clock.js';
import { TrustError, TrustErrorCode } from './errors.js';

/** Past this much disagreement (beyond the estimate's own uncertainty) the device clock is to blame. */
export const CLOCK_AGREEMENT_MS = 60_000;

/** Whether the device clock agrees with the server's closely enough that certificate dates cannot be its fault. */
export function clockAgrees(clock: ClockOffsetEstimate): boolean {
  return Math.abs(clock.offsetMs) - clock.uncertaintyMs <= CLOCK_AGREEMENT_MS;
}

/**
 * A date failure (not yet valid, expired) judged against the server's clock. The first diagnosis
 * can only guess, since it knows the device clock alone; once the server's time is known and
 * agrees, the certificate itself is at fault and the message must say so instead of sending
 * someone to fix a clock that is right.
 * @returns the failure as it was when the clock disagrees or the failure is not about dates
 */
export function blameCertificateDates(failure: TrustError, clock: ClockOffsetEstimate): TrustError {
  const early = failure.code === TrustErrorCode.CertNotYetValid;
  if ((!early && failure.code !== TrustErrorCode.CertExpired) || !clockAgrees(clock)) return failure;
  // The facts (which certificate, which dates) come first in every date message; the guess follows.
  const facts = failure.message.split('; ')[0];
  const agreement = `${describeClockOffset(clock)}, so the clock is not the cause`;
  const verdict = early
    ? "the server's certificate is at fault: its operator must install one that is valid now (was it issued by a machine whose clock runs ahead?)"
    : 'the server certificate must be renewed';
  return new TrustError(failure.code, `${facts}; ${agreement}: ${verdict}`, { ...failure.details, serverClock: clock.serverTime.toISOString() }, { cause: failure });
}
