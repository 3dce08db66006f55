import { FailureLimiter, type FailureLimiterSettings } from './failure-limiter.js';

/** The subject key of a device in the limits. */
export function deviceSubject(uuid: string): string {
  return `device:${uuid}`;
}

/**
 * Failed-authentication limits, counted per source address and per subject (device uuid or
 * user). The per-source limit is the looser one on purpose: a whole fleet can sit behind one NAT
 * address, and one misconfigured device there must not lock out its neighbours; the tight limit
 * is per subject, which only the guesser pays for.
 */
export class AuthLimits {
  private readonly sources: FailureLimiter;
  private readonly subjects: FailureLimiter;

  constructor(
    source: Partial<FailureLimiterSettings> = {},
    subject: Partial<FailureLimiterSettings> = {},
    now: () => number = Date.now,
  ) {
    this.sources = new FailureLimiter({ maxFailures: 120, windowMs: 60_000, maxKeys: 100_000, ...source }, now);
    this.subjects = new FailureLimiter({ maxFailures: 10, windowMs: 60_000, maxKeys: 100_000, ...subject }, now);
  }

  /** Milliseconds until this source may try again (0: now). */
  sourceRetryAfter(address: string): number {
    return this.sources.retryAfter(address);
  }

  /** Milliseconds until this device or user may try again (0: now). */
  subjectRetryAfter(subject: string): number {
    return this.subjects.retryAfter(subject);
  }

  /** Recent failures of a device or user (for the dashboard's warning). */
  subjectFailures(subject: string): number {
    return this.subjects.failures(subject);
  }

  recordFailure(address: string, subject?: string): void {
    this.sources.recordFailure(address);
    if (subject !== undefined) this.subjects.recordFailure(subject);
  }

  recordSuccess(subject: string): void {
    this.subjects.recordSuccess(subject);
  }
}
