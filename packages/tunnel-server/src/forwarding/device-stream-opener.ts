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
import { authorize } from '../access/authorize.js';
import type { DeviceSessions } from '../devices/device-sessions.js';
import { DeviceRefError, DeviceRefErrorCode, resolveDevice } from '../devices/resolve-device.js';
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

export interface DeviceStreamOpenerDeps {
  registry: Registry;
  presence: Presence;
  sessions: DeviceSessions;
  log: Logger;
}

/**
 * A user's request to reach a port on a device, whichever way they came in: resolve the device,
 * ask authorize(), find its live session, open a stream on it and relay the device's verdict.
 * Every attempt, refused or not, gets an audit entry with its result code.
 */
export class DeviceStreamOpener {
  constructor(private readonly deps: DeviceStreamOpenerDeps) {}

  async open(user: UserRecord, request: OpenRequest, origin: StreamOrigin): Promise<OpenedDeviceStream> {
    const { log } = this.deps;
    const ref = request.device === undefined ? '' : deviceRef(request.device);
    const fields = { user: user.name, ref, host: request.host, port: request.port, ...origin };
    let device: DeviceRecord | null = null;
    let auditId: number | undefined;
    try {
      device = await this.resolve(ref);
      auditId = await this.auditStart(user, device.uuid, request);
      const stream = await this.connect(user, device, request);
      const short = device.uuid.slice(0, 7);
      log.info({ ...fields, device: device.uuid }, 'stream opened');
      let done = false;
      return {
        stream,
        device,
        finished: (totals) => {
          if (done) return;
          done = true;
          const result = totals.error ? 'reset' : OpenResult.Ok;
          log.info({ ...fields, device: short, bytesUp: totals.bytesUp, bytesDown: totals.bytesDown, durationMs: totals.durationMs, result, err: totals.error?.message }, 'stream closed');
          void this.auditFinish(auditId, { bytesUp: totals.bytesUp, bytesDown: totals.bytesDown, result });
        },
      };
    } catch (err) {
      const refusal = asOpenError(err);
      auditId ??= await this.auditStart(user, device?.uuid ?? (ref || '(none)'), request);
      await this.auditFinish(auditId, { bytesUp: 0, bytesDown: 0, result: refusal.result });
      log.info({ ...fields, device: device?.uuid, result: refusal.result, code: refusal.code, reason: refusal.message }, 'stream refused');
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

  private async connect(user: UserRecord, device: DeviceRecord, request: OpenRequest): Promise<YamuxStream> {
    const target = { host: request.host, port: request.port };
    const decision = await authorize(user, device, target, { registry: this.deps.registry, now: Date.now() });
    if (!decision.allowed) throw new OpenError(OpenResult.AccessDenied, `access denied: ${decision.reason}`);
    const live = this.deps.sessions.get(device.uuid);
    if (!live || live.session.closed) throw new OpenError(OpenResult.DeviceOffline, await this.offlineMessage(device));
    return live.session.open(target);
  }

  private async offlineMessage(device: DeviceRecord): Promise<string> {
    const presence = await this.deps.presence.get(device.uuid).catch(() => null);
    const lastSeen = presence?.disconnectedAt ?? device.lastDisconnectedAt;
    const name = `device ${device.uuid.slice(0, 7)} (${device.name})`;
    if (lastSeen === null || lastSeen === undefined) return `${name} is offline (it has never connected)`;
    const ago = formatDuration(Math.max(0, Date.now() - lastSeen));
    return `${name} is offline (last seen ${new Date(lastSeen).toISOString()}, ${ago} ago)`;
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
