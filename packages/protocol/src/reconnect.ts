import { Backoff, type BackoffSettings } from './backoff.js';

export interface ReconnectSettings {
  backoff: BackoffSettings;
  /** A session that stayed up this long resets the backoff; 0 resets it on every successful connect. */
  stableAfterMs: number;
  /** Uniform in [0, 1); Math.random by default. Tests pass their own. */
  random?: () => number;
}

/** How an established session ended. */
export interface SessionEnded {
  upForMs: number;
  /** The server said when to come back (a drain hint): used instead of the backoff. */
  retryAfterMs?: number | undefined;
}

export interface ReconnectHooks {
  /** Connects, then resolves when that session ends; rejects when it could not connect. */
  connect(): Promise<SessionEnded>;
  /**
   * A connect failed. Returns the least time the server asked to wait (a rate limit), if any:
   * the delay is the larger of it and the backoff.
   */
  failed(err: unknown): Promise<number | undefined> | number | undefined;
  /** Before each wait; `failure` is the error when the last attempt could not connect. */
  retrying?(delayMs: number, attempt: number, failure?: unknown): void;
}

/** The delay after one attempt, as the loop computes it: the pure part of the rules. */
export type AttemptResult = { ended: SessionEnded } | { failed: true; notBeforeMs?: number | undefined };

/**
 * Keeps a client session up for as long as it runs, for the device agent and the developer CLI
 * alike: exponential backoff with full jitter between attempts, reset once a session proved
 * stable, a server's drain hint used instead of the backoff, and a sleep that stop() interrupts.
 */
export class ReconnectLoop {
  private readonly backoff: Backoff;
  private stopped = false;
  private wake: (() => void) | null = null;

  constructor(private readonly settings: ReconnectSettings) {
    this.backoff = new Backoff(settings.backoff, settings.random ?? Math.random);
  }

  get attempts(): number {
    return this.backoff.attempts;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** Runs until stop(); never rejects unless a hook throws. */
  async run(hooks: ReconnectHooks): Promise<void> {
    while (!this.stopped) {
      let delay: number;
      let failure: unknown;
      try {
        delay = this.delayAfter({ ended: await hooks.connect() });
      } catch (err) {
        failure = err;
        if (this.stopped) break;
        delay = this.delayAfter({ failed: true, notBeforeMs: await hooks.failed(err) });
      }
      if (this.stopped) break;
      hooks.retrying?.(delay, this.backoff.attempts, failure);
      await this.sleep(delay);
    }
  }

  /** The wait before the next attempt; advances the backoff. */
  delayAfter(result: AttemptResult): number {
    if ('ended' in result) {
      if (result.ended.upForMs >= this.settings.stableAfterMs) this.backoff.reset();
      return result.ended.retryAfterMs ?? this.backoff.next();
    }
    return Math.max(this.backoff.next(), result.notBeforeMs ?? 0);
  }

  /**
   * Cuts a wait in progress short and starts the backoff over: after a network change or a
   * clock fix, the failures behind the backoff say nothing about the next attempt. Returns
   * whether the loop was waiting (an attempt in progress or a live session is left alone).
   */
  retryNow(): boolean {
    if (this.stopped || !this.wake) return false;
    this.backoff.reset();
    this.wake();
    return true;
  }

  /** Ends the loop: a wait in progress ends at once, and no attempt follows. */
  stop(): void {
    this.stopped = true;
    this.wake?.();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
export * from './backoff.js';
