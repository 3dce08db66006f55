import { asError, type Logger } from '@tunnel/protocol/log';
import type { Presence } from '../presence/presence.js';
import type { Registry } from '../registry/types.js';
import type { DeviceSessions } from './device-sessions.js';

/**
 * `tunnel-server device rm` runs as its own process against the shared registry; this watcher
 * notices removed devices within one poll and closes their sessions, so a removed device is
 * cut off at once instead of at its next reconnect. Each poll asks the registry's change marker
 * first and lists the devices only when it moved: listing 5,000 devices every second was most
 * of an idle server's CPU.
 */
export class RemovalWatcher {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  /** The marker at the last full check; undefined until the first one. */
  private checkedAt: string | undefined;

  constructor(
    private readonly registry: Registry,
    private readonly presence: Presence,
    private readonly sessions: DeviceSessions,
    private readonly intervalMs: number,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  async check(): Promise<void> {
    if (this.running || this.sessions.size === 0) return;
    this.running = true;
    try {
      const marker = await this.registry.devices.changeMarker();
      if (marker === this.checkedAt) return;
      const registered = new Set((await this.registry.devices.list()).map((d) => d.uuid));
      for (const uuid of this.sessions.uuids()) {
        if (!registered.has(uuid)) {
          this.sessions.kick(uuid, 'device removed from the registry');
          await this.presence.forget(uuid);
        }
      }
      this.checkedAt = marker;
    } catch (err) {
      this.log.error({ err: asError(err) }, 'checking for removed devices failed');
    } finally {
      this.running = false;
    }
  }
}
