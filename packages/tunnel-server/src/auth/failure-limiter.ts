export interface FailureLimiterSettings {
  /** Failures allowed per key within windowMs before further attempts are refused. Default 10. */
  maxFailures: number;
  /** Length of the counting window. Default 60 s. */
  windowMs: number;
  /** Keys tracked at most; the oldest are forgotten first, so a flood of sources cannot grow memory. Default 100 000. */
  maxKeys: number;
}

export const defaultFailureLimiter: Readonly<FailureLimiterSettings> = Object.freeze({ maxFailures: 10, windowMs: 60_000, maxKeys: 100_000 });

interface Entry {
  windowStart: number;
  failures: number;
}

/**
 * Counts failed authentications per key (a source address, a device uuid) in fixed windows.
 * Only failures count: a device with the right key is never slowed by others' mistakes.
 */
export class FailureLimiter {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly settings: FailureLimiterSettings = defaultFailureLimiter,
    private readonly now: () => number = Date.now,
  ) {}

  /** Milliseconds until the key may try again, or 0 if it may try now. */
  retryAfter(key: string): number {
    const entry = this.entries.get(key);
    if (!entry) return 0;
    const elapsed = this.now() - entry.windowStart;
    if (elapsed >= this.settings.windowMs) {
      this.entries.delete(key);
      return 0;
    }
    return entry.failures >= this.settings.maxFailures ? this.settings.windowMs - elapsed : 0;
  }

  /** Failures of the key in its current window. */
  failures(key: string): number {
    const entry = this.entries.get(key);
    return entry && this.now() - entry.windowStart < this.settings.windowMs ? entry.failures : 0;
  }

  recordFailure(key: string): void {
    const t = this.now();
    let entry = this.entries.get(key);
    if (!entry || t - entry.windowStart >= this.settings.windowMs) {
      this.entries.delete(key);
      entry = { windowStart: t, failures: 0 };
      if (this.entries.size >= this.settings.maxKeys) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
      this.entries.set(key, entry);
    }
    entry.failures += 1;
  }

  /** A success forgets the key's failures (a device that finally has the right key). */
  recordSuccess(key: string): void {
    this.entries.delete(key);
  }
}
