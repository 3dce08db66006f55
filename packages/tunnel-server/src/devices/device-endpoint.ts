import type { IncomingMessage } from 'node:http';
import { TLSSocket } from 'node:tls';
import { AuthErrorCode } from '@tunnel/protocol/auth';
import { tlsExporter } from '@tunnel/protocol/channel';
import { errorCode } from '@tunnel/protocol/errors';
import { asError, type Logger } from '@tunnel/protocol/log';
import { OpenError, OpenResult, TunnelSession } from '@tunnel/protocol/tunnel';
import { type YamuxConfig } from '@tunnel/protocol/yamux';
import type WebSocket from 'ws';
import type { DeviceSessionSink } from '../metrics/server-metrics.js';
import type { Presence } from '../presence/presence.js';
import type { Registry } from '../registry/types.js';
import { acceptDeviceHandshake, DeviceRejectedError, type DeviceHandshakeDeps } from './device-handshake.js';
import type { DeviceSessions } from './device-sessions.js';

export interface DeviceEndpointDeps {
  registry: Registry;
  presence: Presence;
  sessions: DeviceSessions;
  handshake: Omit<DeviceHandshakeDeps, 'deviceKey'>;
  yamux: Partial<YamuxConfig>;
  nodeId: string;
  log: Logger;
  metrics: DeviceSessionSink;
  /** Told when a connection's device proved its identity (it then leaves the pre-auth limits). */
  authenticated?: (req: IncomingMessage) => void;
}

/** A connection test (diagnose) is closed after this, should the device not close it first. */
const PROBE_LIFETIME_MS = 60_000;

/** Where device WebSockets land: authenticate, then hold the session until it ends. */
export class DeviceEndpoint {
  constructor(private readonly deps: DeviceEndpointDeps) {}

  async accept(ws: WebSocket, req: IncomingMessage): Promise<void> {
    const { registry, presence, sessions, log } = this.deps;
    const remoteAddress = req.socket.remoteAddress ?? 'unknown';
    ws.on('error', (err) => log.debug({ remoteAddress, err }, 'device websocket error'));
    let device;
    const started = performance.now();
    const seconds = (): number => (performance.now() - started) / 1000;
    try {
      const tlsSocket = req.socket instanceof TLSSocket ? req.socket : undefined;
      device = await acceptDeviceHandshake(ws, { remoteAddress, tlsExporter: tlsSocket && tlsExporter(tlsSocket) }, {
        ...this.deps.handshake,
        deviceKey: async (uuid) => (await registry.devices.get(uuid))?.authPublicKey ?? null,
        admit: (uuid) => sessions.admit(uuid, remoteAddress),
      });
    } catch (rejection) {
      if (!(rejection instanceof DeviceRejectedError)) throw rejection;
      const { uuid, code, message } = rejection;
      log.warn({ uuid, remoteAddress, code, err: rejection }, 'device authentication failed');
      this.deps.metrics.authFailed('device', code);
      this.deps.metrics.deviceHandshake(code, seconds());
      if (uuid && code !== AuthErrorCode.UnknownDevice) {
        await registry.devices
          .recordStatus(uuid, { lastError: { code, message, at: Date.now() }, lastRemoteAddress: remoteAddress })
          .catch(() => undefined);
      }
      return;
    }
    this.deps.authenticated?.(req);
    this.deps.metrics.deviceHandshake('ok', seconds());
    const session = new TunnelSession(device.channel, { role: 'server', yamux: this.deps.yamux, logger: log });
    // Devices answer opens; they do not open streams into the server.
    session.serve(async () => {
      throw new OpenError(OpenResult.AccessDenied, 'devices cannot open streams to the server');
    });
    if (device.probe) {
      // diagnose's connection test: it answers pings for a while and leaves the device's session, presence and status alone.
      const timer = setTimeout(() => session.close(), PROBE_LIFETIME_MS).unref();
      session.once('close', () => clearTimeout(timer));
      log.info({ uuid: device.uuid, remoteAddress, agentVersion: device.agentVersion }, 'device connection test authenticated (diagnose); its session is left as it was');
      return;
    }
    this.deps.metrics.deviceConnected();
    const connectedAt = Date.now();
    const { uuid, sessionId, agentVersion, clockOffsetMs, secureLayer } = device;
    if (secureLayer) {
      device.channel.once('error', (err: Error) => log.warn({ uuid, sessionId, remoteAddress, code: errorCode(err), err }, 'secure channel broken: session closed'));
    }
    const recorded = (async () => {
      try {
        await presence.connected(uuid, sessionId, { nodeId: this.deps.nodeId, remoteAddress, agentVersion, clockOffsetMs, at: connectedAt });
        // A good session answers any earlier failure: the dashboard must stop warning about it.
        await registry.devices.recordStatus(uuid, { lastConnectedAt: connectedAt, lastRemoteAddress: remoteAddress, agentVersion, clockOffsetMs, lastError: null });
      } catch (err) {
        log.error({ uuid, err: asError(err) }, 'could not record the device connection');
      }
    })();
    // Routable at once (the device already heard "welcome"); its disconnect is recorded only
    // after its connect, whatever order a remote presence store would otherwise apply them in.
    sessions.add({ uuid, sessionId, session, transport: device.transport, remoteAddress, connectedAt }, recorded);
    session.once('close', (err?: { code?: string }) => this.deps.metrics.deviceDisconnected(err?.code ?? 'closed'));
    session.once('close', () => void recorded.then(() => registry.devices.recordStatus(uuid, { lastDisconnectedAt: Date.now() })).catch(() => undefined));
    await recorded;
    log.info({ uuid, sessionId, remoteAddress, agentVersion, clockOffsetMs, secureLayer }, 'device connected');
  }
}
