import { deviceStatus, type DeviceStatus } from '../presence/device-status.js';
import type { Presence } from '../presence/presence.js';
import type { Registry } from '../registry/types.js';
import { MetricsRegistry, type Counter, type Gauge } from './metrics.js';

/** Where authentication failures are counted, by kind and reason (the error code). */
export interface AuthFailureSink {
  authFailed(kind: 'device' | 'heartbeat' | 'user', reason: string): void;
}

/** Where stream opens (by result) and carried bytes are counted. */
export interface StreamSink {
  streamOpened(result: string): void;
  streamFinished(bytesUp: number, bytesDown: number): void;
}

/** Upper bounds (seconds) of the heartbeat-age buckets. */
const AGE_BUCKETS = [30, 60, 120, 300, 900, 3600, Infinity];

/** The server's metrics, named tunnel_*. */
export class ServerMetrics implements AuthFailureSink, StreamSink {
  readonly registry = new MetricsRegistry();
  readonly streamOpens: Counter;
  readonly streamBytes: Counter;
  readonly authFailures: Counter;
  readonly heartbeats: Counter;
  private readonly connected: Gauge;
  private readonly byStatus: Gauge;
  private readonly heartbeatAge: Gauge;

  constructor(deps: { registry: Registry; presence: Presence; connectedDevices: () => number }) {
    const r = this.registry;
    this.connected = r.gauge('tunnel_connected_devices', 'Devices with a tunnel session on this node.');
    this.byStatus = r.gauge('tunnel_devices', 'Registered devices by status (online, heartbeat-only, vpn-only, offline).');
    this.heartbeatAge = r.gauge('tunnel_device_heartbeat_age_seconds_bucket', 'Devices whose last heartbeat is at most le seconds old (cumulative).');
    this.streamOpens = r.counter('tunnel_stream_opens_total', 'Stream opens by result (ok, device-offline, access-denied, port-not-allowed, connection-refused, ...).');
    this.streamBytes = r.counter('tunnel_stream_bytes_total', 'Bytes carried by streams, by direction (to_device, from_device).');
    this.authFailures = r.counter('tunnel_auth_failures_total', 'Failed authentications by kind (device, heartbeat, user) and reason (error code).');
    this.heartbeats = r.counter('tunnel_heartbeats_total', 'Heartbeats accepted.');

    r.onCollect(async () => {
      this.byStatus.reset();
      this.connected.set({}, deps.connectedDevices());
      const now = Date.now();
      const presence = new Map((await deps.presence.list()).map((p) => [p.uuid, p]));
      const counts: Record<DeviceStatus, number> = { online: 0, 'heartbeat-only': 0, 'vpn-only': 0, offline: 0 };
      const ages = AGE_BUCKETS.map(() => 0);
      for (const d of await deps.registry.devices.list()) {
        const p = presence.get(d.uuid) ?? null;
        counts[deviceStatus(p, now)] += 1;
        if (p?.lastHeartbeatAt != null) {
          const age = (now - p.lastHeartbeatAt) / 1000;
          AGE_BUCKETS.forEach((le, i) => {
            if (age <= le) ages[i]! += 1;
          });
        }
      }
      for (const [status, n] of Object.entries(counts)) this.byStatus.set({ status }, n);
      AGE_BUCKETS.forEach((le, i) => this.heartbeatAge.set({ le: le === Infinity ? '+Inf' : String(le) }, ages[i]!));
    });
  }

  authFailed(kind: 'device' | 'heartbeat' | 'user', reason: string): void {
    this.authFailures.inc({ kind, reason });
  }

  streamOpened(result: string): void {
    this.streamOpens.inc({ result });
  }

  streamFinished(bytesUp: number, bytesDown: number): void {
    this.streamBytes.inc({ direction: 'to_device' }, bytesUp);
    this.streamBytes.inc({ direction: 'from_device' }, bytesDown);
  }
}
