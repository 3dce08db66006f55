import type { Connection } from './connection.js';

/**
 * Commits made with runUnsynced() reach the disk within delayMs, or at once on close(): one
 * checkpoint for all of them instead of an fsync each, which held the event loop (and so every
 * new stream) for a millisecond or more.
 */
export class DeferredSync {
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly db: Connection,
    private readonly delayMs: number,
  ) {}

  /** Call after each unsynced commit. */
  wrote(): void {
    if (this.timer !== null || this.closed) return;
    this.timer = setTimeout(() => this.onTimer(), this.delayMs);
    this.timer.unref();
  }

  /** Makes what was written durable before the connection closes: a clean shutdown loses nothing. */
  close(): void {
    if (this.closed) return;
    const pending = this.timer !== null;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.closed = true;
    if (pending) this.db.sync();
  }

  private onTimer(): void {
    this.timer = null;
    let synced = false;
    try {
      synced = this.db.sync();
    } catch {
      // The disk refused (full, locked): the commits wait in the WAL for the next try.
    }
    // Also when a reader in another process held frames back.
    if (!synced) this.wrote();
  }
}
