import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { checkTranscriptSignature, ConnectPath, createLogger, MAX_WS_PAYLOAD, keyPairSigner, loadOrCreateServerIdentity, type Logger, type TranscriptSigner, type YamuxConfig } from '@tunnel/protocol';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { authenticatedRoute } from './api/authenticated-route.js';
import { AuthLimits } from './auth/auth-limits.js';
import { registerDashboardRoutes } from './dashboard/dashboard-routes.js';
import { DeviceEndpoint } from './devices/device-endpoint.js';
import { DeviceSessions } from './devices/device-sessions.js';
import { HeartbeatEndpoint } from './devices/heartbeat-endpoint.js';
import { RemovalWatcher } from './devices/removal-watcher.js';
import { listen } from './http/listen.js';
import { HttpError } from './http/http-error.js';
import { writeRawError } from './http/raw-response.js';
import { Router, sendError, sendJson } from './http/router.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { mountDeveloperAccess, type DeveloperAccess } from './developer-access.js';
import type { Presence } from './presence/presence.js';
import { SqlitePresence } from './presence/sqlite-presence.js';
import { openRegistry } from './registry/index.js';
import type { Registry } from './registry/types.js';
import { loadServerTls, type ServerTls } from './tls/server-tls.js';

export interface ServerSettings {
  host: string;
  port: number;
  dataDir: string;
  /** PEM files of a real certificate; without them a development CA is made in dataDir. */
  certFile?: string;
  keyFile?: string;
  /** Extra names for the development certificate's SAN. */
  hostnames: string[];
  /** Name of this node in presence; the host name by default. */
  nodeId: string;
  /** On shutdown, time given to streams in flight after GoAway. Default 10 s. */
  drainGraceMs: number;
  /** Devices are told to come back at a random moment within this window. Default 30 s. */
  drainSpreadMs: number;
  /** Delay before a failed device authentication is answered. Default 1 s. */
  authFailureDelayMs: number;
  /** Time a device has to complete authentication. Default 15 s. */
  authTimeoutMs: number;
  /** How often removals made by admin commands are checked for. Default 1 s. */
  removalPollMs: number;
  yamux: Partial<YamuxConfig>;
}

export const defaultServerSettings: ServerSettings = {
  host: '0.0.0.0',
  port: 443,
  dataDir: './data',
  hostnames: [],
  nodeId: hostname(),
  drainGraceMs: 10_000,
  drainSpreadMs: 30_000,
  authFailureDelayMs: 1_000,
  authTimeoutMs: 15_000,
  removalPollMs: 1_000,
  yamux: {},
};

/** The tunnel server: one HTTPS listener for devices, people and their tools. */
export class TunnelServer {
  readonly log: Logger;
  readonly registry: Registry;
  readonly presence: Presence;
  readonly sessions: DeviceSessions;
  readonly tls: ServerTls;
  readonly identity: TranscriptSigner;
  readonly router = new Router();
  /** Failed device and user authentications, counted per source and per uuid. */
  readonly authLimits = new AuthLimits();
  readonly metrics: ServerMetrics;
  private readonly http: https.Server;
  private readonly wss: WebSocketServer;
  private readonly removals: RemovalWatcher;
  private readonly upgrades = new Map<string, (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>>();
  private connectHandler: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;
  private proxyRequestHandler: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
  private stopping: Promise<void> | null = null;
  private readonly developerAccess: DeveloperAccess;

  private constructor(
    readonly settings: ServerSettings,
    parts: { log: Logger; registry: Registry; presence: Presence; tls: ServerTls; identity: TranscriptSigner },
  ) {
    this.log = parts.log;
    this.registry = parts.registry;
    this.presence = parts.presence;
    this.tls = parts.tls;
    this.identity = parts.identity;
    this.sessions = new DeviceSessions(this.presence, this.log);
    this.metrics = new ServerMetrics({ registry: this.registry, presence: this.presence, connectedDevices: () => this.sessions.size });
    this.removals = new RemovalWatcher(this.registry, this.presence, this.sessions, settings.removalPollMs, this.log);

    this.http = https.createServer({ key: this.tls.key, cert: this.tls.cert, minVersion: 'TLSv1.2' }, (req, res) => {
      const handling = this.proxyRequestHandler && /^http:\/\//i.test(req.url ?? '') ? this.proxyRequestHandler(req, res).then(() => true) : this.router.handle(req, res);
      handling.then(
        (handled) => {
          if (!handled) sendError(res, 404, 'ERR_HTTP_NOT_FOUND', `nothing at ${req.url ?? '/'}`);
        },
        (err: Error) => {
          this.log.error({ url: req.url, err: err.message }, 'request failed');
          if (!res.headersSent) sendError(res, 500, 'ERR_HTTP_INTERNAL', 'internal error; see the server log');
          else res.destroy();
        },
      );
    });
    this.http.on('tlsClientError', (err: Error & { code?: string }) => this.log.debug({ err: err.message, code: err.code }, 'TLS handshake failed'));
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_WS_PAYLOAD });
    // Devices estimate their clock offset from it (ws sends no Date of its own).
    this.wss.on('headers', (headers) => headers.push(`Date: ${new Date().toUTCString()}`));
    this.http.on('upgrade', (req, socket: Duplex, head: Buffer) => this.onUpgrade(req, socket, head));
    this.http.on('connect', (req, socket: Duplex, head: Buffer) => this.onConnectRequest(req, socket, head));

    // Devices and CLIs ping the server every interval; answering them is enough to know they are
    // alive, so the server pings only a session that went quiet (half the keepalive work per device).
    const yamux: Partial<YamuxConfig> = { keepAliveWhenQuiet: true, ...settings.yamux };
    const devices = new DeviceEndpoint({
      registry: this.registry,
      presence: this.presence,
      sessions: this.sessions,
      nodeId: settings.nodeId,
      yamux,
      log: this.log,
      metrics: this.metrics,
      handshake: {
        identity: this.identity,
        verify: checkTranscriptSignature,
        limits: this.authLimits,
        failureDelayMs: settings.authFailureDelayMs,
        timeoutMs: settings.authTimeoutMs,
      },
    });
    this.onWebSocket(ConnectPath.Device, (ws, req) => void devices.accept(ws, req));
    new HeartbeatEndpoint({
      registry: this.registry,
      presence: this.presence,
      identity: this.identity,
      verify: checkTranscriptSignature,
      limits: this.authLimits,
      failureDelayMs: settings.authFailureDelayMs,
      log: this.log,
      metrics: this.metrics,
    }).register(this.router);
    this.developerAccess = mountDeveloperAccess(this, { authFailureDelayMs: settings.authFailureDelayMs, yamux });
    registerDashboardRoutes(this.router);
    this.router.on(
      'GET',
      '/metrics',
      authenticatedRoute(this.developerAccess.authenticator, async (_req, res) => {
        const body = await this.metrics.registry.render();
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
        res.end(body);
      }),
    );
    this.router.on('GET', '/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
    this.router.on('GET', '/readyz', (_req, res) =>
      sendJson(res, this.stopping ? 503 : 200, { status: this.stopping ? 'draining' : 'ready', devices: this.sessions.size }),
    );
  }

  static async start(partial: Partial<ServerSettings> = {}, log: Logger = createLogger({ name: 'tunnel-server' })): Promise<TunnelServer> {
    const settings: ServerSettings = { ...defaultServerSettings, ...partial };
    const registry = await openRegistry({ dataDir: settings.dataDir });
    const presence = SqlitePresence.open(settings.dataDir);
    // Sessions this node held before a crash or kill -9 are gone; say so before taking new ones.
    await presence.clearNode(settings.nodeId, Date.now());
    const tls = await loadServerTls(settings);
    const identity = keyPairSigner(await loadOrCreateServerIdentity(settings.dataDir));
    const server = new TunnelServer(settings, { log, registry, presence, tls, identity });
    await listen(server.http, settings.host, settings.port);
    server.removals.start();
    log.info({ host: settings.host, port: server.port, dataDir: settings.dataDir, node: settings.nodeId, tls: tls.source }, 'tunnel server listening');
    return server;
  }

  get port(): number {
    return (this.http.address() as AddressInfo).port;
  }

  /**
   * Registers a WebSocket endpoint at a path. `admit` runs before the upgrade completes: what it
   * returns reaches the handler, and an HttpError it throws is the HTTP answer instead of a
   * WebSocket (so a bad token is a plain 401, not an opened-then-closed socket).
   */
  onWebSocket<T = undefined>(path: string, handler: (ws: WebSocket, req: IncomingMessage, admitted: T) => void, admit?: (req: IncomingMessage) => Promise<T>): void {
    this.upgrades.set(path, async (req, socket, head) => {
      // The socket is ours once Node hands it over: a reset while admit() awaits (the slow
      // answer to a bad token) must not surface as an unhandled 'error'.
      const ignore = (err: Error): void => this.log.debug({ path, err: err.message }, 'socket error during upgrade');
      socket.on('error', ignore);
      let admitted: T;
      try {
        admitted = admit ? await admit(req) : (undefined as T);
      } catch (err) {
        if (err instanceof HttpError) writeRawError(socket, err.status, err.code, err.message, err.headers);
        else {
          this.log.error({ path, err: (err as Error).message }, 'upgrade admission failed');
          writeRawError(socket, 500, 'ERR_HTTP_INTERNAL', 'internal error; see the server log');
        }
        return;
      }
      if (socket.destroyed) return;
      socket.off('error', ignore);
      this.wss.handleUpgrade(req, socket, head, (ws) => handler(ws, req, admitted));
    });
  }

  /**
   * Takes over proxy traffic on the listener: CONNECT requests, and requests in absolute form
   * (`GET http://host/…`), which only proxy clients send.
   */
  onProxy(handlers: { connect: (req: IncomingMessage, socket: Duplex, head: Buffer) => void; request: (req: IncomingMessage, res: ServerResponse) => Promise<void> }): void {
    this.connectHandler = handlers.connect;
    this.proxyRequestHandler = handlers.request;
  }

  /**
   * Graceful stop: no new connections, GoAway to every device, streams get drainGraceMs,
   * devices are told when to come back (spread over drainSpreadMs), then everything closes.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.log.info({ devices: this.sessions.size, graceMs: this.settings.drainGraceMs }, 'draining');
      this.removals.stop();
      this.developerAccess.opener.stopWatching();
      this.http.close();
      await this.sessions.drainAll(this.settings.drainGraceMs, this.settings.drainSpreadMs);
      for (const client of this.wss.clients) client.terminate();
      this.http.closeAllConnections();
      await this.presence.clearNode(this.settings.nodeId, Date.now());
      await this.presence.close();
      await this.registry.close();
      this.log.info('stopped');
    })();
    return this.stopping;
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handler = this.upgrades.get(path);
    if (!handler || this.stopping) {
      const status = this.stopping ? '503 Service Unavailable' : '404 Not Found';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    handler(req, socket, head).catch((err: Error) => {
      this.log.error({ path, err: err.message }, 'upgrade failed');
      socket.destroy();
    });
  }

  private onConnectRequest(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.stopping) writeRawError(socket, 503, 'ERR_SERVER_DRAINING', 'the server is shutting down; try again shortly');
    else if (!this.connectHandler) writeRawError(socket, 405, 'ERR_HTTP_METHOD', 'this server does not take CONNECT');
    else this.connectHandler(req, socket, head);
  }
}
