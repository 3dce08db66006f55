import {
  deviceRef,
  errorCode,
  formatDuration,
  OpenError,
  OpenResult,
  type Logger,
  type OpenRequest,
  type YamuxStream,
} from '@tunnel/protocol';
import { authorize, type AccessTarget } from '../access/authorize.js';
import type { DeviceSessions } from '../devices/device-sessions.js';
import { DeviceRefError, DeviceRefErrorCode, resolveDevice } from '../devices/resolve-device.js';
import type { StreamSink } from '../metrics/server-metrics.js';
import type { Presence } from '../presence/presence.js';
import type { DeviceRecord, Registry, UserRecord } from '../registry/types.js';

/** How the user came in, for logs. */
export interface StreamOrigin {
  via: 'tunnel' | 'connect' | 'proxy-request';
  remoteAddress: string;
}

/** Byte counts of a finished stream, seen from the user: up is towards the device. */
export interface StreamTotals {
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  error?: Error;
}

export interface OpenedDeviceStream {
  /** Ready for payload: the device said ok. Bytes it already sent (an SSH banner) wait inside. */
  stream: YamuxStream;
  device: DeviceRecord;
  /** Call once when the stream is over; closes its audit entry. */
  finished(totals: StreamTotals): void;
}

/** A stream that is carrying bytes now, kept so access can be withdrawn while it runs. */
interface LiveStream {
  user: UserRecord;
  device: DeviceRecord;
  target: AccessTarget;
  stream: YamuxStream;
  revoked?: string;
  expiryTimer?: NodeJS.Timeout;
}

/** Result code in the audit log of a stream cut because access ended while it ran. */
export const ACCESS_REVOKED = 'access-revoked';

export interface DeviceStreamOpenerDeps {
  registry: Registry;
  presence: Presence;
  sessions: DeviceSessions;
  log: Logger;
  metrics: StreamSink;
}

/**
 * A user's request to reach a port on a device, whichever way they came in: resolve the device,
 * ask authorize(), find its live session, open a stream on it and relay the device's verdict.
 * Every attempt, refused or not, gets an audit entry with its result code.
 */
export class DeviceStreamOpener {
  private readonly live = new Set<LiveStream>();
  private watcher: NodeJS.Timeout | null = null;
  private checking: Promise<void> | null = null;

  constructor(private readonly deps: DeviceStreamOpenerDeps) {}

  /** Streams carrying bytes now. */
  get liveCount(): number {
    return this.live.size;
  }

  /**
   * Asks authorize() again for every live stream and cuts those no longer allowed: a support
   * grant that expired or was revoked (also from another process, `support disable`), a user
   * removed or moved out of the fleet. Called every second and at each grant's expiry.
   */
  recheck(): Promise<void> {
    this.checking ??= this.recheckAll()
      .catch((err: Error) => this.deps.log.error({ err: err.message, code: errorCode(err) }, 'could not re-check access of live streams'))
      .finally(() => (this.checking = null));
    return this.checking;
  }

  /** Re-checks live streams every intervalMs (revocations may come from another process). */
  watch(intervalMs: number): void {
    this.watcher = setInterval(() => {
      if (this.live.size > 0) void this.recheck();
    }, intervalMs);
    this.watcher.unref();
  }

  stopWatching(): void {
    if (this.watcher) clearInterval(this.watcher);
    this.watcher = null;
  }

  private async recheckAll(): Promise<void> {
    const { registry } = this.deps;
    for (const entry of [...this.live]) {
      if (entry.revoked) continue;
      const user = await registry.users.get(entry.user.name);
      if (user === null) {
        this.revoke(entry, `user ${entry.user.name} was removed`);
        continue;
      }
      const decision = await authorize(user, entry.device, entry.target, { registry, now: Date.now() });
      if (!decision.allowed) this.revoke(entry, decision.reason);
      else this.scheduleExpiry(entry, decision.until);
    }
  }

  async open(user: UserRecord, request: OpenRequest, origin: StreamOrigin): Promise<OpenedDeviceStream> {
    const { log } = this.deps;
    const ref = request.device === undefined ? '' : deviceRef(request.device);
    const fields = { user: user.name, ref, host: request.host, port: request.port, ...origin };
    let device: DeviceRecord | null = null;
    let auditId: number | undefined;
    const started = performance.now();
    try {
      const found = await this.resolve(ref);
      device = found;
      const target = { host: request.host, port: request.port };
      // The audit insert waits for its fsync (synchronous = FULL) on the event loop: it runs once
      // the open request has left for the device, so the two overlap instead of adding up.
      const opening = this.connect(user, found, target);
      const auditing = this.afterPendingWrites(() => this.auditStart(user, found.uuid, request));
      let connected: { stream: YamuxStream; until: number | undefined };
      try {
        connected = await opening;
      } finally {
        auditId = await auditing;
      }
      const { stream, until } = connected;
      const short = device.uuid.slice(0, 7);
      log.info({ ...fields, device: device.uuid }, 'stream opened');
      this.deps.metrics.streamOpened(OpenResult.Ok, (performance.now() - started) / 1000);
      const entry: LiveStream = { user, device, target, stream };
      this.live.add(entry);
      this.scheduleExpiry(entry, until);
      let done = false;
      return {
        stream,
        device,
        finished: (totals) => {
          if (done) return;
          done = true;
          this.live.delete(entry);
          if (entry.expiryTimer) clearTimeout(entry.expiryTimer);
          const result = entry.revoked ? ACCESS_REVOKED : totals.error ? 'reset' : OpenResult.Ok;
          const err = entry.revoked ?? totals.error?.message;
          log.info({ ...fields, device: short, bytesUp: totals.bytesUp, bytesDown: totals.bytesDown, durationMs: totals.durationMs, result, err }, 'stream closed');
          this.deps.metrics.streamFinished(totals.bytesUp, totals.bytesDown);
          // After the stream's closing frames have left: they need not wait for the fsync.
          void this.afterPendingWrites(() => this.auditFinish(auditId, { bytesUp: totals.bytesUp, bytesDown: totals.bytesDown, result }));
        },
      };
    } catch (err) {
      const refusal = asOpenError(err);
      auditId ??= await this.auditStart(user, device?.uuid ?? (ref || '(none)'), request);
      await this.auditFinish(auditId, { bytesUp: 0, bytesDown: 0, result: refusal.result });
      log.info({ ...fields, device: device?.uuid, result: refusal.result, code: refusal.code, reason: refusal.message }, 'stream refused');
      this.deps.metrics.streamOpened(refusal.result, (performance.now() - started) / 1000);
      throw refusal;
    }
  }

  private async resolve(ref: string): Promise<DeviceRecord> {
    if (ref === '') throw new OpenError(OpenResult.BadRequest, 'the open request names no device');
    try {
      return await resolveDevice(this.deps.registry, ref);
    } catch (err) {
      if (!(err instanceof DeviceRefError)) throw err;
      throw new OpenError(err.code === DeviceRefErrorCode.Unknown ? OpenResult.UnknownDevice : OpenResult.BadRequest, err.message);
    }
  }

  private async connect(user: UserRecord, device: DeviceRecord, target: AccessTarget): Promise<{ stream: YamuxStream; until: number | undefined }> {
    const decision = await authorize(user, device, target, { registry: this.deps.registry, now: Date.now() });
    if (!decision.allowed) throw new OpenError(OpenResult.AccessDenied, `access denied: ${decision.reason}`);
    const live = this.deps.sessions.get(device.uuid);
    if (!live || live.session.closed) throw new OpenError(OpenResult.DeviceOffline, await this.offlineMessage(device));
    return { stream: await live.session.open(target), until: decision.until };
  }

  /** A rule with an end (a support grant) is checked again the moment it ends. */
  private scheduleExpiry(entry: LiveStream, until: number | undefined): void {
    if (entry.expiryTimer) clearTimeout(entry.expiryTimer);
    entry.expiryTimer = undefined;
    if (until === undefined) return;
    entry.expiryTimer = setTimeout(() => void this.recheck(), Math.max(0, until - Date.now()) + 5);
    entry.expiryTimer.unref();
  }

  /** Cuts a live stream (both ways: the user sees a reset) and records why. */
  private revoke(entry: LiveStream, reason: string): void {
    entry.revoked = reason;
    this.deps.log.warn({ user: entry.user.name, device: entry.device.uuid, host: entry.target.host, port: entry.target.port, reason }, 'access ended: closing a live stream');
    entry.stream.destroy();
  }

  private async offlineMessage(device: DeviceRecord): Promise<string> {
    const presence = await this.deps.presence.get(device.uuid).catch(() => null);
    const lastSeen = presence?.disconnectedAt ?? device.lastDisconnectedAt;
    const name = `device ${device.uuid.slice(0, 7)} (${device.name})`;
    if (lastSeen === null || lastSeen === undefined) return `${name} is offline (it has never connected)`;
    const ago = formatDuration(Math.max(0, Date.now() - lastSeen));
    return `${name} is offline (last seen ${new Date(lastSeen).toISOString()}, ${ago} ago)`;
  }

  /** Runs `write` after the frames queued now are flushed (the encoders flush on the next tick). */
  private afterPendingWrites<T>(write: () => Promise<T>): Promise<T> {
    return new Promise((resolve) => setImmediate(resolve)).then(write);
  }

  /** The audit log must not take a stream down with it: failures are logged, not thrown. */
  private async auditStart(user: UserRecord, deviceUuid: string, request: OpenRequest): Promise<number | undefined> {
    try {
      return await this.deps.registry.audit.start({ user: user.name, deviceUuid, targetHost: request.host, targetPort: request.port });
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message, code: errorCode(err) }, 'could not write the audit entry');
      return undefined;
    }
  }

  private async auditFinish(id: number | undefined, outcome: { bytesUp: number; bytesDown: number; result: string }): Promise<void> {
    if (id === undefined) return;
    try {
      await this.deps.registry.audit.finish(id, outcome);
    } catch (err) {
      this.deps.log.error({ err: (err as Error).message, code: errorCode(err), auditId: id }, 'could not close the audit entry');
    }
  }
}

function asOpenError(err: unknown): OpenError {
  if (err instanceof OpenError) return err;
  return new OpenError(OpenResult.ServerError, `the server could not open the stream: ${err instanceof Error ? err.message : String(err)}`);
}
