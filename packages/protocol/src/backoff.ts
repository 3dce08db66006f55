/** Settings of the reconnect backoff. */
export interface BackoffSettings {
  /** First delay bound. Default 1 s. */
  baseMs: number;
  /** Largest delay bound. Default 60 s. */
  capMs: number;
}

export const defaultBackoff: Readonly<BackoffSettings> = Object.freeze({ baseMs: 1000, capMs: 60_000 });

/**
 * Exponential backoff with full jitter: the n-th retry waits a uniform random time in
 * [0, min(cap, base * 2^n)]. Full jitter spreads a fleet that lost its server at the same moment,
 * so the server is not hit by all of them at once when it returns.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly settings: BackoffSettings = defaultBackoff,
    private readonly random: () => number = Math.random,
  ) {}

  /** Delay before the next attempt; each call widens the window up to the cap. */
  next(): number {
    const bound = Math.min(this.settings.capMs, this.settings.baseMs * 2 ** Math.min(this.attempt, 30));
    this.attempt += 1;
    return Math.round(this.random() * bound);
  }

  /** Called after a session that stayed up long enough: the next failure starts small again. */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
