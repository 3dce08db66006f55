import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry as PromRegistry } from 'prom-client';
import { deviceStatus, type DeviceStatus } from '../presence/device-status.js';
import type { Presence } from '../presence/presence.js';
import type { Registry } from '../registry/types.js';
import { VERSION } from '../version.js';

/** Where authentication failures are counted, by kind and reason (the error code). */
export interface AuthFailureSink {
  authFailed(kind: 'device' | 'heartbeat' | 'user', reason: string): void;
}

/** Where stream opens (by result, with the time the answer took) and carried bytes are counted. */
export interface StreamSink {
  streamOpened(result: string, seconds: number): void;
  streamFinished(bytesUp: number, bytesDown: number): void;
}

/** Where device sessions are counted: handshakes (with their duration), connects and disconnects. */
export interface DeviceSessionSink extends AuthFailureSink {
  deviceHandshake(result: string, seconds: number): void;
  deviceConnected(): void;
  deviceDisconnected(reason: string): void;
}

/** Heartbeat ages (seconds) the freshness gauge is broken down by. */
const AGE_LIMITS = [30, 60, 120, 300, 900, 3600];

/** Opens cross two WebSocket hops and a device's local connect: milliseconds to seconds. */
const OPEN_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** A handshake includes the deliberate delay on a failed proof (1 s by default). */
const HANDSHAKE_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10];

async function scanDevices(deps: { registry: Registry; presence: Presence }): Promise<{ counts: Record<DeviceStatus, number>; within: number[] }> {
  const now = Date.now();
  const presence = new Map((await deps.presence.list()).map((p) => [p.uuid, p]));
  const counts: Record<DeviceStatus, number> = { online: 0, 'heartbeat-only': 0, 'vpn-only': 0, offline: 0 };
  const within = AGE_LIMITS.map(() => 0);
  for (const d of await deps.registry.devices.list()) {
    const p = presence.get(d.uuid) ?? null;
    counts[deviceStatus(p, now)] += 1;
    if (p?.lastHeartbeatAt != null) {
      const age = (now - p.lastHeartbeatAt) / 1000;
      AGE_LIMITS.forEach((limit, i) => {
        if (age <= limit) within[i]! += 1;
      });
    }
  }
  return { counts, within };
}

/** prom-client gauges that promtool's lint rejects (a gauge named _total); nodejs_active_* by type remain. */
const LINT_FAILING_DEFAULTS = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** The server's metrics (tunnel_*, plus prom-client's process_* and nodejs_* defaults). */
export class ServerMetrics implements DeviceSessionSink, StreamSink {
  readonly registry = new PromRegistry();
  readonly heartbeats: Counter;
  private readonly streamOpens: Counter;
  private readonly streamOpenSeconds: Histogram;
  private readonly streamBytes: Counter;
  private readonly authFailures: Counter;
  private readonly handshakeSeconds: Histogram;
  private readonly connects: Counter;
  private readonly disconnects: Counter;

  constructor(deps: { registry: Registry; presence: Presence; connectedDevices: () => number }) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
    new Gauge({ name: 'tunnel_build_info', help: 'Always 1; the labels say which build runs.', labelNames: ['version', 'node_version'], registers }).set(
      { version: VERSION, node_version: process.version },
      1,
    );
    new Gauge({
      name: 'tunnel_connected_devices',
      help: 'Devices with a tunnel session on this node.',
      registers,
      collect() {
        this.set(deps.connectedDevices());
      },
    });
    // Both gauges come from one pass over the registry per scrape: prom-client collects every
    // metric at once, so the second collect joins the pass the first one started.
    let scanning: Promise<{ counts: Record<DeviceStatus, number>; within: number[] }> | undefined;
    const scan = (): Promise<{ counts: Record<DeviceStatus, number>; within: number[] }> =>
      (scanning ??= scanDevices(deps).finally(() => (scanning = undefined)));
    new Gauge({
      name: 'tunnel_devices',
      help: 'Registered devices by status (online, heartbeat-only, vpn-only, offline).',
      labelNames: ['status'],
      registers,
      async collect() {
        for (const [status, n] of Object.entries((await scan()).counts)) this.set({ status }, n);
      },
    });
    new Gauge({
      name: 'tunnel_devices_heartbeat_within_seconds',
      help: 'Devices whose last heartbeat is at most `within` seconds old.',
      labelNames: ['within'],
      registers,
      async collect() {
        const { within } = await scan();
        AGE_LIMITS.forEach((limit, i) => this.set({ within: String(limit) }, within[i]!));
      },
    });
    this.streamOpens = new Counter({
      name: 'tunnel_stream_opens_total',
      help: 'Stream opens by result (ok, device-offline, access-denied, port-not-allowed, connection-refused, ...).',
      labelNames: ['result'],
      registers,
    });
    this.streamOpenSeconds = new Histogram({
      name: 'tunnel_stream_open_duration_seconds',
      help: 'Time from an open request to its answer, by result.',
      labelNames: ['result'],
      buckets: OPEN_BUCKETS,
      registers,
    });
    this.streamBytes = new Counter({ name: 'tunnel_stream_bytes_total', help: 'Bytes carried by streams, by direction (to_device, from_device).', labelNames: ['direction'], registers });
    this.authFailures = new Counter({
      name: 'tunnel_auth_failures_total',
      help: 'Failed authentications by kind (device, heartbeat, user) and reason (error code).',
      labelNames: ['kind', 'reason'],
      registers,
    });
    this.heartbeats = new Counter({ name: 'tunnel_heartbeats_total', help: 'Heartbeats accepted.', registers });
    this.handshakeSeconds = new Histogram({
      name: 'tunnel_device_handshake_duration_seconds',
      help: 'Device authentication handshakes (WebSocket open to welcome or refusal), by result (ok or error code).',
      labelNames: ['result'],
      buckets: HANDSHAKE_BUCKETS,
      registers,
    });
    this.connects = new Counter({ name: 'tunnel_device_connects_total', help: 'Device tunnel sessions established.', registers });
    this.disconnects = new Counter({
      name: 'tunnel_device_disconnects_total',
      help: 'Device tunnel sessions ended, by reason (error code, or closed).',
      labelNames: ['reason'],
      registers,
    });
  }

  /** The text exposition format, and its content type. */
  async render(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  authFailed(kind: 'device' | 'heartbeat' | 'user', reason: string): void {
    this.authFailures.inc({ kind, reason });
  }

  streamOpened(result: string, seconds: number): void {
    this.streamOpens.inc({ result });
    this.streamOpenSeconds.observe({ result }, seconds);
  }

  streamFinished(bytesUp: number, bytesDown: number): void {
    this.streamBytes.inc({ direction: 'to_device' }, bytesUp);
    this.streamBytes.inc({ direction: 'from_device' }, bytesDown);
  }

  deviceHandshake(result: string, seconds: number): void {
    this.handshakeSeconds.observe({ result }, seconds);
  }

  deviceConnected(): void {
    this.connects.inc();
  }

  deviceDisconnected(reason: string): void {
    this.disconnects.inc({ reason });
  }
}
