import type { Connection } from './connection.js';

interface Pending {
  readonly apply: () => void;
  readonly resolve: () => void;
  readonly reject: (err: unknown) => void;
}

/**
 * Small writes made during one turn of the event loop commit in one transaction, so they share
 * one fsync (the registry runs with synchronous = FULL). A fleet reconnecting after a restart, or
 * dropping off together, writes a status row per device: one commit each held the event loop for
 * an fsync per device, thousands in a row. Each caller still hears of its own write's outcome,
 * after the commit.
 */
export class GroupCommit {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(private readonly db: Connection) {}

  submit(apply: () => void): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ apply, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    const failures = new Map<Pending, unknown>();
    try {
      this.db.write(() => {
        for (const item of batch) {
          try {
            item.apply();
          } catch (err) {
            // One write's refusal (an unknown device) must not undo the others.
            failures.set(item, err);
          }
        }
      });
    } catch (err) {
      for (const item of batch) item.reject(err);
      return;
    }
    for (const item of batch) {
      if (failures.has(item)) item.reject(failures.get(item));
      else item.resolve();
    }
  }
}
