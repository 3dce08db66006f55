import { formatDuration } from '@tunnel/protocol/cli';
import { errorCode } from '@tunnel/protocol/errors';
import { asError, type Logger } from '@tunnel/protocol/log';
import { deviceRef, type EarlyBytes, OpenError, OpenResult, type OpenRequest } from '@tunnel/protocol/tunnel';
import { type YamuxStream } from '@tunnel/protocol/yamux';
import { authorize, type AccessTarget } from '../access/authorize.js';
import type { SessionAccessCache } from '../access/session-access-cache.js';
import { Tally } from '../connections/tally.js';
import type { DeviceSessions } from '../devices/device-sessions.js';
import { DeviceRefErrorCode } from '../devices/device-errors.js';
import { DeviceRefError, resolveDevice } from '../devices/resolve-device.js';
import type { StreamSink } from '../metrics/server-metrics.js';
import type { Presence } from '../presence/presence.js';
import type { AccessPath, DeviceRecord, Registry, UserRecord } from '../registry/types.js';
import { countBytes, type ByteCounts } from './byte-counts.js';

/** How the user came in, for logs and the audit log. */
export interface StreamOrigin {
  via: AccessPath;
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
  /** Its audit entry, when the audit log took it (a terminal's recording is named after it). */
  auditId: number | undefined;
  /** Why access ended while the stream ran (the stream was cut), or undefined. */
  accessEnded(): string | undefined;
  /** Call once when the stream is over; closes its audit entry. */
  finished(totals: StreamTotals): void;
}

/** A stream carrying bytes now, as the device page shows it. */
export interface LiveStreamView {
  /** Unique among this node's streams: the device page counts a stream once however many nodes list it. */
  id: number;
  user: string;
  via: StreamOrigin['via'];
  target: string;
  startedAt: string;
  bytesUp: number;
  bytesDown: number;
}

/** A stream that is carrying bytes now, kept so access can be withdrawn while it runs. */
interface LiveStream {
  id: number;
  user: UserRecord;
  /** The API token the stream was opened with: rotating it ends the stream, as removal does. */
  token: string;
  device: DeviceRecord;
  target: AccessTarget;
  stream: YamuxStream;
  origin: StreamOrigin;
  startedAt: number;
  bytes: ByteCounts;
  revoked?: string;
  /** Told why, just before the stream is cut for ended access. */
  onRevoked: ((reason: string) => void) | undefined;
  expiryTimer?: NodeJS.Timeout;
}

/** Result code in the audit log of a stream cut because access ended while it ran. */
export const ACCESS_REVOKED = 'access-revoked';

/** What a way in may add to an open. */
export interface OpenHooks {
  /** Told why, just before a stream is cut because access ended, so the user can be told. */
  onRevoked?: (reason: string) => void;
  /** The user's bytes that came behind the request: they follow the request to the device once access is allowed. */
  early?: EarlyBytes;
  /** The session's answers from the registry, when the way in keeps them (user-endpoint.ts). */
  access?: SessionAccessCache;
}

/** Reaches a device held by another node of the cluster (cluster/cluster-relay.ts). */
export interface StreamRelay {
  /** A stream through the node holding the device, or undefined when no other live node holds it. */
  open(uuid: string, target: AccessTarget): Promise<YamuxStream | undefined>;
}

export interface DeviceStreamOpenerDeps {
  registry: Registry;
  presence: Presence;
  sessions: DeviceSessions;
  log: Logger;
  metrics: StreamSink;
  /** Streams one user may hold at once (opening or open), so nobody can fill a device's budget. */
  userStreamLimit: number;
  /** Absent on a single node, or a node started without --cluster-listen. */
  relay?: StreamRelay;
}

/** While re-checks keep failing, one log line per this many (about a minute at one a second). */
const RECHECK_FAILURES_PER_LOG = 60;

/**
 * A user's request to reach a port on a device, whichever way they came in: resolve the device,
 * ask authorize(), find its live session, open a stream on it and relay the device's verdict.
 * Every attempt, refused or not, gets an audit entry with its result code.
 */
export class DeviceStreamOpener {
  private readonly live = new Set<LiveStream>();
  /** Streams each user holds, opening or open, by user name. */
  private readonly held = new Tally();
  private watcher: NodeJS.Timeout | null = null;
  /** Re-checks that failed in a row (a registry outage). */
  private recheckFailures = 0;
  private checking: Promise<void> | null = null;
  private opened = 0;

  constructor(private readonly deps: DeviceStreamOpenerDeps) {}

  /** Streams carrying bytes now. */
  get liveCount(): number {
    return this.live.size;
  }

  /** The device's streams carrying bytes now, oldest first. */
  liveStreams(deviceUuid: string): LiveStreamView[] {
    return [...this.live]
      .filter((e) => e.device.uuid === deviceUuid)
      .map((e) => ({
        id: e.id,
        user: e.user.name,
        via: e.origin.via,
        target: `${e.target.host}:${e.target.port}`,
        startedAt: new Date(e.startedAt).toISOString(),
        bytesUp: e.bytes.up,
        bytesDown: e.bytes.down,
      }));
  }

  /**
   * Asks authorize() again for every live stream and cuts those no longer allowed: a support
   * grant that expired or was revoked (also from another process, `support disable`), a user
   * removed or moved out of the fleet, a token rotated. Called every second and at each grant's expiry.
   */
  recheck(): Promise<void> {
    this.checking ??= this.recheckAll()
      .then(() => {
        if (this.recheckFailures > 0) this.deps.log.info({ attempt: this.recheckFailures }, 'access re-checks of live streams work again');
        this.recheckFailures = 0;
      })
      .catch((err: Error) => {
        // Every second while the registry is down: the first failure with its stack, then one line a minute.
        this.recheckFailures += 1;
        if (this.recheckFailures % RECHECK_FAILURES_PER_LOG === 1) {
          this.deps.log.error({ err, code: errorCode(err), attempt: this.recheckFailures }, 'could not re-check access of live streams');
        }
      })
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
      // By the token, not the name: a rotated token must end its streams like a removed user.
      const user = await registry.users.authenticate(entry.token);
      if (user === null || user.name !== entry.user.name) {
        this.revoke(entry, `the API token of ${entry.user.name} was rotated or the user removed`);
        continue;
      }
      const decision = await authorize(user, entry.device, entry.target, { registry, now: Date.now() });
      if (!decision.allowed) this.revoke(entry, decision.reason);
      else this.scheduleExpiry(entry, decision.until);
    }
  }

  /**
   * `token` is the one `user` authenticated with; the stream lives only as long as it is valid.
   */
  async open(user: UserRecord, token: string, request: OpenRequest, origin: StreamOrigin, hooks: OpenHooks = {}): Promise<OpenedDeviceStream> {
    const { onRevoked, early, access } = hooks;
    const { log } = this.deps;
    const ref = request.device === undefined ? '' : deviceRef(request.device);
    const fields = { user: user.name, ref, host: request.host, port: request.port, ...origin };
    let device: DeviceRecord | null = null;
    let auditId: number | undefined;
    let claimed = false;
    const started = performance.now();
    try {
      this.claim(user);
      claimed = true;
      const found = access ? await access.device(ref, () => this.resolve(ref)) : await this.resolve(ref);
      device = found;
      const target = { host: request.host, port: request.port };
      // The audit insert holds the event loop (SQLite; its fsync is deferred) or waits for a round
      // trip (PostgreSQL): it runs once the open request has left for the device, so the two overlap.
      const opening = this.connect(user, found, target, early, access);
      const auditing = this.afterPendingWrites(() => this.auditStart(user, found.uuid, request, origin));
      let connected: { stream: YamuxStream; until: number | undefined };
      try {
        connected = await opening;
      } finally {
        auditId = await auditing;
      }
      const { stream, until } = connected;
      // The info line comes at the close, with everything this one says: a line per open is CPU on every new stream.
      log.debug({ ...fields, uuid: device.uuid }, 'stream opened');
      this.deps.metrics.streamOpened(OpenResult.Ok, (performance.now() - started) / 1000);
      const entry: LiveStream = { id: (this.opened += 1), user, token, device, target, stream, origin, startedAt: Date.now(), bytes: countBytes(stream), onRevoked };
      this.live.add(entry);
      this.scheduleExpiry(entry, until);
      let done = false;
      return {
        stream,
        device,
        auditId,
        accessEnded: () => entry.revoked,
        finished: (totals) => {
          if (done) return;
          done = true;
          this.release(user);
          this.live.delete(entry);
          if (entry.expiryTimer) clearTimeout(entry.expiryTimer);
          const result = entry.revoked ? ACCESS_REVOKED : totals.error ? 'reset' : OpenResult.Ok;
          log.info(
            { ...fields, uuid: entry.device.uuid, bytesUp: totals.bytesUp, bytesDown: totals.bytesDown, durationMs: totals.durationMs, result, reason: entry.revoked, err: totals.error },
            'stream closed',
          );
          this.deps.metrics.streamFinished(totals.bytesUp, totals.bytesDown);
          // After the stream's closing frames have left: they need not wait for the fsync.
          void this.afterPendingWrites(() => this.auditFinish(auditId, { bytesUp: totals.bytesUp, bytesDown: totals.bytesDown, result }));
        },
      };
    } catch (err) {
      if (claimed) this.release(user);
      const refusal = asOpenError(err);
      auditId ??= await this.auditStart(user, device?.uuid ?? (ref || '(none)'), request, origin);
      await this.auditFinish(auditId, { bytesUp: 0, bytesDown: 0, result: refusal.result });
      log.info({ ...fields, uuid: device?.uuid, result: refusal.result, code: refusal.code, reason: refusal.message }, 'stream refused');
      this.deps.metrics.streamOpened(refusal.result, (performance.now() - started) / 1000);
      throw refusal;
    }
  }

  private claim(user: UserRecord): void {
    const held = this.held.get(user.name);
    const limit = this.deps.userStreamLimit;
    if (held >= limit) throw new OpenError(OpenResult.LimitReached, `${user.name} already holds ${held} streams, the most one user may (--user-stream-limit ${limit}); close some first`);
    this.held.add(user.name);
  }

  private release(user: UserRecord): void {
    this.held.remove(user.name);
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

  private async connect(
    user: UserRecord,
    device: DeviceRecord,
    target: AccessTarget,
    early: EarlyBytes | undefined,
    access: SessionAccessCache | undefined,
  ): Promise<{ stream: YamuxStream; until: number | undefined }> {
    const now = Date.now();
    const decide = (): ReturnType<typeof authorize> => authorize(user, device, target, { registry: this.deps.registry, now });
    const decision = access ? await access.decision(device, target, now, decide) : await decide();
    if (!decision.allowed) throw new OpenError(OpenResult.AccessDenied, `access denied: ${decision.reason}`);
    const live = this.deps.sessions.get(device.uuid);
    // Only now, access allowed, may the user's first bytes go towards the device.
    if (live && !live.session.closed) return { stream: await live.session.open(target, early), until: decision.until };
    const relayed = await this.deps.relay?.open(device.uuid, target);
    if (relayed === undefined) throw new OpenError(OpenResult.DeviceOffline, await this.offlineMessage(device));
    return { stream: relayed, until: decision.until };
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
    this.deps.log.warn({ user: entry.user.name, uuid: entry.device.uuid, host: entry.target.host, port: entry.target.port, reason }, 'access ended: closing a live stream');
    entry.onRevoked?.(reason);
    entry.stream.destroy();
  }

  private async offlineMessage(device: DeviceRecord): Promise<string> {
    const presence = await this.deps.presence.get(device.uuid).catch(() => null);
    const lastSeen = presence?.disconnectedAt ?? device.lastDisconnectedAt;
    const name = `device ${device.uuid.slice(0, 7)} (${device.name})`;
    // In a cluster the device may be up on another node; saying "offline" would send people hunting.
    if (presence?.sessionId != null && presence.nodeId !== null && this.deps.relay === undefined) {
      return `${name} is connected to node ${presence.nodeId}, not to this one, and this node relays no streams (it runs without --cluster-listen): reach it through node ${presence.nodeId}`;
    }
    if (lastSeen === null || lastSeen === undefined) return `${name} is offline (it has never connected)`;
    const ago = formatDuration(Math.max(0, Date.now() - lastSeen));
    return `${name} is offline (last seen ${new Date(lastSeen).toISOString()}, ${ago} ago)`;
  }

  /** Runs `write` after the frames queued now are flushed (the encoders flush on the next tick). */
  private afterPendingWrites<T>(write: () => Promise<T>): Promise<T> {
    return new Promise((resolve) => setImmediate(resolve)).then(write);
  }

  /** The audit log must not take a stream down with it: failures are logged, not thrown. */
  private async auditStart(user: UserRecord, deviceUuid: string, request: OpenRequest, origin: StreamOrigin): Promise<number | undefined> {
    try {
      const entry = { user: user.name, deviceUuid, targetHost: request.host, targetPort: request.port, sourceAddress: origin.remoteAddress, accessPath: origin.via };
      return await this.deps.registry.audit.start(entry);
    } catch (err) {
      this.deps.log.error({ err: asError(err), code: errorCode(err) }, 'could not write the audit entry');
      return undefined;
    }
  }

  private async auditFinish(id: number | undefined, outcome: { bytesUp: number; bytesDown: number; result: string }): Promise<void> {
    if (id === undefined) return;
    try {
      await this.deps.registry.audit.finish(id, outcome);
    } catch (err) {
      this.deps.log.error({ err: asError(err), code: errorCode(err), auditId: id }, 'could not close the audit entry');
    }
  }
}

function asOpenError(err: unknown): OpenError {
  if (err instanceof OpenError) return err;
  return new OpenError(OpenResult.ServerError, `the server could not open the stream: ${err instanceof Error ? err.message : String(err)}`);
}
