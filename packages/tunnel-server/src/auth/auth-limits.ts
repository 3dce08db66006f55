import { FailureLimiter, type FailureLimiterSettings } from './failure-limiter.js';

/** The subject key of a device in the limits. */
export function deviceSubject(uuid: string): string {
  return `device:${uuid}`;
}

/** The one key of the server-wide count. */
const ALL_SOURCES = 'all';

/**
 * Failed-authentication limits. Only sources are ever refused: a whole fleet can sit behind one
 * NAT address, so the per-source limit is loose, and past the server-wide limit (many guessers
 * each under their own limit) any source that failed recently is refused too, while a source
 * that has not failed still gets in. Subjects (a device uuid) are counted for the dashboard's
 * warning but never refused: anyone can send a known uuid, so a subject limit would let them hold
 * the genuine device offline, and a correct proof must always succeed.
 */
export class AuthLimits {
  private readonly sources: FailureLimiter;
  private readonly everyone: FailureLimiter;
  private readonly subjects: FailureLimiter;

  constructor(
    source: Partial<FailureLimiterSettings> = {},
    global: Partial<FailureLimiterSettings> = {},
    now: () => number = Date.now,
  ) {
    this.sources = new FailureLimiter({ maxFailures: 120, windowMs: 60_000, maxKeys: 100_000, ...source }, now);
    this.everyone = new FailureLimiter({ maxFailures: 2_000, windowMs: 60_000, maxKeys: 1, ...global }, now);
    this.subjects = new FailureLimiter({ maxFailures: Number.MAX_SAFE_INTEGER, windowMs: 60_000, maxKeys: 100_000 }, now);
  }

  /** Milliseconds until this source may try again (0: now). */
  sourceRetryAfter(address: string): number {
    const own = this.sources.retryAfter(address);
    if (own > 0 || this.sources.failures(address) === 0) return own;
    return this.everyone.retryAfter(ALL_SOURCES);
  }

  /** Recent failures of a device or user (for the dashboard's warning). */
  subjectFailures(subject: string): number {
    return this.subjects.failures(subject);
  }

  recordFailure(address: string, subject?: string): void {
    this.sources.recordFailure(address);
    this.everyone.recordFailure(ALL_SOURCES);
    if (subject !== undefined) this.subjects.recordFailure(subject);
  }

  recordSuccess(subject: string): void {
    this.subjects.recordSuccess(subject);
  }
}
