import https from 'node:https';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { hostname } from 'node:os';
import type { Duplex } from 'node:stream';
import { checkTranscriptSignature, keyPairSigner, type TranscriptSigner } from '@tunnel/protocol/auth';
import { asError, createLogger, type Logger } from '@tunnel/protocol/log';
import { ConnectPath, MAX_WS_PAYLOAD } from '@tunnel/protocol/wire';
import { defaultYamuxConfig, type YamuxConfig } from '@tunnel/protocol/yamux';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';
import { AccessEvents } from './cluster/access-events.js';
import type { ClusterRelay } from './cluster/cluster-relay.js';
import { startConfiguredRelay } from './cluster/configured-relay.js';
import { authenticateBearer } from './users/bearer-auth.js';
import { bearerToken } from './users/token-headers.js';
import { AuthLimits } from './auth/auth-limits.js';
import { registerDashboardRoutes } from './dashboard/dashboard-routes.js';
import { DeviceEndpoint } from './devices/device-endpoint.js';
import { DeviceSessions } from './devices/device-sessions.js';
import type { LiveStreamView } from './forwarding/device-stream-opener.js';
import { HeartbeatEndpoint } from './devices/heartbeat-endpoint.js';
import { RemovalWatcher } from './devices/removal-watcher.js';
import { listen } from './http/listen.js';
import { HttpError, HttpErrorCode } from './http/http-error.js';
import { failureAnswer } from './http/failure-answer.js';
import { writeRawError } from './http/raw-response.js';
import { Router, sendError, sendJson } from './http/router.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { MetricsAccess, readMetricsToken } from './metrics/metrics-access.js';
import { mountDeveloperAccess, type DeveloperAccess } from './developer-access.js';
import type { Presence } from './presence/presence.js';
import { openConfiguredPresence } from './presence/open-presence.js';
import { openConfiguredRegistry } from './registry/open-configured.js';
import { maskPassword } from './mask-password.js';
import type { Registry } from './registry/types.js';
import { serverIdentity } from './tls/cluster-trust.js';
import { DEFAULT_DATA_DIR } from './data-dir.js';
import { CertificateHealth } from './tls/certificate-health.js';
import { CertificateReloader } from './tls/certificate-reloader.js';
import { loadServerTls, type ServerTls } from './tls/server-tls.js';
import { TLS_CIPHERS } from './tls/ciphers.js';
import { ConnectionGuard, type GuardedConnection } from './connections/connection-guard.js';
import { PreAuthGate, type PreAuthLimits } from './connections/pre-auth-gate.js';
import { ProxyProtocolFront, type ProxyProtocolSettings } from './proxy-protocol/proxy-front.js';
import { defaultTerminalSettings, type TerminalSettings } from './web-terminal/terminal-session.js';

export interface ServerSettings {
  host: string;
  port: number;
  dataDir: string;
  /** PEM files of a real certificate; without them a development CA is made in dataDir. */
  certFile?: string;
  keyFile?: string;
  /** Extra names for the development certificate's SAN. */
  hostnames: string[];
  /** postgres:// URL of a cluster's shared registry; SQLite in dataDir when absent. */
  registryUrl?: string;
  /** redis:// URL of a cluster's shared presence; SQLite in dataDir when absent. */
  presenceUrl?: string;
  /** Name of this node in presence; the host name by default. Unique within a cluster. */
  nodeId: string;
  /** host:port of the listener for links from the other nodes; no relaying between nodes when absent. */
  clusterListen?: string;
  /** host:port the other nodes dial to reach clusterListen, when that binds every interface. */
  clusterAdvertise?: string;
  /** On shutdown, time given to streams in flight after GoAway. Default 10 s. */
  drainGraceMs: number;
  /** Devices are told to come back at a random moment within this window. Default 30 s. */
  drainSpreadMs: number;
  /** Devices are disconnected one by one over this window rather than at once. Default 0 (at once). */
  drainWindowMs: number;
  /** Delay before a failed device authentication is answered. Default 1 s. */
  authFailureDelayMs: number;
  /** Time a device has to complete authentication. Default 15 s. */
  authTimeoutMs: number;
  /** How often removals made by admin commands are checked for. Default 1 s. */
  removalPollMs: number;
  /** Unauthenticated connections: per source address, in all, and the time to authenticate. */
  preAuth: PreAuthLimits;
  /** PROXY protocol from a TCP load balancer in front: which versions, and from which addresses. */
  proxyProtocol: ProxyProtocolSettings;
  /** Streams one user may have open at once, over all devices and ways in. */
  userStreamLimit: number;
  /** `device tunnel` sessions one user may hold at once. */
  userSessionLimit: number;
  yamux: Partial<YamuxConfig>;
  /** The browser terminal: the devices' sshd port and user, the recordings' size limit. */
  terminal: TerminalSettings;
  /** File holding the token that reads /metrics and nothing else (besides admins' tokens). */
  metricsTokenFile?: string;
}

export const defaultServerSettings: ServerSettings = {
  host: '0.0.0.0',
  port: 443,
  dataDir: DEFAULT_DATA_DIR,
  hostnames: [],
  nodeId: hostname(),
  drainGraceMs: 10_000,
  drainSpreadMs: 30_000,
  drainWindowMs: 0,
  authFailureDelayMs: 1_000,
  authTimeoutMs: 15_000,
  removalPollMs: 1_000,
  preAuth: { perSource: 256, global: 2_048, timeoutMs: 10_000 },
  proxyProtocol: { mode: 'off', trustedSources: [] },
  userStreamLimit: 256,
  userSessionLimit: 16,
  yamux: {},
  terminal: defaultTerminalSettings,
};

/** The tunnel server: one HTTPS listener for devices, people and their tools. */
export class TunnelServer {
  readonly log: Logger;
  readonly registry: Registry;
  readonly presence: Presence;
  readonly sessions: DeviceSessions;
  readonly tls: ServerTls;
  /** Reloads the certificate without a restart (SIGHUP, or its files changing). */
  readonly certificates: CertificateReloader;
  readonly identity: TranscriptSigner;
  readonly router = new Router();
  /** Failed device and user authentications, counted per source and per uuid. */
  readonly authLimits = new AuthLimits();
  readonly metrics: ServerMetrics;
  /** Closes only the connection whose handler threw; see installProcessHandler for the rest. */
  readonly guard: ConnectionGuard;
  readonly preAuth: PreAuthGate;
  private readonly http: https.Server;
  /** What accepts TCP connections: the HTTPS server itself, or the PROXY protocol front that feeds it. */
  private readonly listener: NetServer;
  private readonly wss: WebSocketServer;
  private readonly removals: RemovalWatcher;
  private readonly upgrades = new Map<string, (req: IncomingMessage, socket: Duplex, head: Buffer) => Promise<void>>();
  private connectHandler: ((req: IncomingMessage, socket: Duplex, head: Buffer) => void) | null = null;
  private proxyRequestHandler: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | null = null;
  private stopping: Promise<void> | null = null;
  private readonly developerAccess: DeveloperAccess;
  private readonly relay: ClusterRelay | undefined;
  /** Announcements from admin commands anywhere in the cluster that access was withdrawn. */
  private accessEvents: AccessEvents | undefined;

  private constructor(
    readonly settings: ServerSettings,
    parts: { log: Logger; registry: Registry; presence: Presence; sessions: DeviceSessions; relay: ClusterRelay | undefined; tls: ServerTls; identity: TranscriptSigner; metricsToken: string | undefined },
  ) {
    this.log = parts.log;
    this.registry = parts.registry;
    this.presence = parts.presence;
    this.tls = parts.tls;
    this.identity = parts.identity;
    this.sessions = parts.sessions;
    this.relay = parts.relay;
    this.metrics = new ServerMetrics({ registry: this.registry, presence: this.presence, connectedDevices: () => this.sessions.size });
    this.removals = new RemovalWatcher(this.registry, this.presence, this.sessions, settings.removalPollMs, this.log);

    this.guard = new ConnectionGuard(this.log);
    this.preAuth = new PreAuthGate(settings.preAuth, this.log);
    const tlsOptions = { key: this.tls.key, cert: this.tls.cert, minVersion: 'TLSv1.2' as const, ciphers: TLS_CIPHERS, handshakeTimeout: settings.preAuth.timeoutMs };
    this.http = https.createServer(tlsOptions, (req, res) => this.guard.run(guarded('request', req, () => res.destroy()), () => this.onRequest(req, res)));
    const health = new CertificateHealth(this.log);
    health.adopt(this.tls.cert);
    this.certificates = new CertificateReloader(this.http, settings, this.log, health);
    this.http.on('connection', (socket: Socket) => this.preAuth.accept(socket));
    const { proxyProtocol } = settings;
    this.listener =
      proxyProtocol.mode === 'off' ? this.http : new ProxyProtocolFront({ ...proxyProtocol, mode: proxyProtocol.mode }, this.http, { headerTimeoutMs: settings.preAuth.timeoutMs, maxPending: settings.preAuth.global }, this.log).listener;
    this.http.on('tlsClientError', (err: Error & { code?: string }, socket: Socket) => health.handshakeFailed(err, socket.remoteAddress));
    this.wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_WS_PAYLOAD });
    // Devices estimate their clock offset from it (ws sends no Date of its own).
    this.wss.on('headers', (headers) => headers.push(`Date: ${new Date().toUTCString()}`));
    this.http.on('upgrade', (req, socket: Duplex, head: Buffer) => this.guard.run(guarded('upgrade', req, () => socket.destroy()), () => this.onUpgrade(req, socket, head)));
    this.http.on('connect', (req, socket: Duplex, head: Buffer) => this.guard.run(guarded('connect', req, () => socket.destroy()), () => this.onConnectRequest(req, socket, head)));

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
      authenticated: (req) => this.preAuth.authenticated(req.socket),
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
    this.developerAccess = mountDeveloperAccess(this, {
      authFailureDelayMs: settings.authFailureDelayMs,
      yamux,
      userStreamLimit: settings.userStreamLimit,
      userSessionLimit: settings.userSessionLimit,
      dataDir: settings.dataDir,
      terminal: settings.terminal,
      relay: this.relay,
      nodeId: settings.nodeId,
    });
    registerDashboardRoutes(this.router);
    const metricsAccess = new MetricsAccess(this.developerAccess.authenticator, parts.metricsToken);
    this.router.on('GET', '/metrics', async (req, res) => {
      await metricsAccess.check(req);
      const { body, contentType } = await this.metrics.render();
      res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
      res.end(body);
    });
    this.router.on('GET', '/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
    this.router.on('GET', '/readyz', async (req, res) => {
      const status = this.stopping ? 503 : 200;
      const body = { status: this.stopping ? 'draining' : 'ready' };
      // The number of connected devices sizes the fleet for an outsider: only with a valid token.
      const user = bearerToken(req.headers) === undefined ? null : await authenticateBearer(this.developerAccess.authenticator, req).catch(() => null);
      sendJson(res, status, user ? { ...body, devices: this.sessions.size } : body);
    });
  }

  static async start(partial: Partial<ServerSettings> = {}, log: Logger = createLogger({ name: 'tunnel-server' })): Promise<TunnelServer> {
    const settings: ServerSettings = { ...defaultServerSettings, ...partial };
    const metricsToken = settings.metricsTokenFile === undefined ? undefined : readMetricsToken(settings.metricsTokenFile);
    const cluster = settings.registryUrl !== undefined || settings.presenceUrl !== undefined;
    // Trust first: a cluster node without the cluster's CA and identity fails before touching anything.
    const ownIdentity = await serverIdentity(settings.dataDir, cluster);
    const registry = await openConfiguredRegistry({ url: settings.registryUrl, dataDir: settings.dataDir });
    // The node's sessions live as long as a device session would without an answered ping.
    const ttlMs = settings.yamux.keepAliveTimeout ?? defaultYamuxConfig.keepAliveTimeout;
    const presence = await openConfiguredPresence({ url: settings.presenceUrl, dataDir: settings.dataDir, node: { id: settings.nodeId, ttlMs } }).catch(
      async (err: unknown) => {
        await registry.close();
        throw err;
      },
    );
    // Sessions this node held before a crash or kill -9 are gone; say so before taking new ones.
    await presence.clearNode(settings.nodeId, Date.now());
    // Likewise the streams they carried: their audit entries would otherwise stay open forever.
    // Only the embedded registry belongs to this node alone; in a shared one the open entries may
    // be other nodes' live streams (closing a node's own would need entries tagged with it).
    if (settings.registryUrl === undefined) {
      const interrupted = await registry.audit.closeInterrupted(Date.now());
      if (interrupted > 0) log.warn({ entries: interrupted }, 'closed audit entries left open by an earlier crash as interrupted');
    }
    const tls = await loadServerTls(settings);
    const identity = keyPairSigner(ownIdentity);
    const sessions = new DeviceSessions(presence, log);
    // Peers may ask for a device's streams as soon as the link listens, before the server is built.
    let server: TunnelServer | undefined;
    const liveStreams = (uuid: string): LiveStreamView[] => server?.developerAccess.opener.liveStreams(uuid) ?? [];
    const relay = await startConfiguredRelay(settings, { presence, sessions, log, liveStreams }, ttlMs).catch(async (err: unknown) => {
      await presence.close();
      await registry.close();
      throw err;
    });
    server = new TunnelServer(settings, { log, registry, presence, sessions, relay, tls, identity, metricsToken });
    await listen(server.listener, settings.host, settings.port);
    if (settings.presenceUrl !== undefined) server.accessEvents = await AccessEvents.subscribe(settings.presenceUrl, (what) => server.accessWithdrawn(what));
    server.removals.start();
    server.certificates.watch();
    log.info(
      {
        host: settings.host,
        port: server.port,
        dataDir: settings.dataDir,
        nodeId: settings.nodeId,
        tls: tls.source,
        proxyProtocol: settings.proxyProtocol.mode,
        registry: settings.registryUrl === undefined ? 'sqlite' : maskPassword(settings.registryUrl),
        presence: settings.presenceUrl === undefined ? 'sqlite' : maskPassword(settings.presenceUrl),
        link: relay?.address,
      },
      'tunnel server listening',
    );
    return server;
  }

  get port(): number {
    return (this.listener.address() as AddressInfo).port;
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
      const ignore = (err: Error): void => this.log.debug({ path, err }, 'socket error during upgrade');
      socket.on('error', ignore);
      let admitted: T;
      try {
        admitted = admit ? await admit(req) : (undefined as T);
      } catch (err) {
        if (!(err instanceof HttpError)) this.log.error({ path, err: asError(err) }, 'upgrade admission failed');
        const answer = failureAnswer(err);
        writeRawError(socket, answer.status, answer.code, answer.message, answer.headers);
        return;
      }
      if (socket.destroyed) return;
      socket.off('error', ignore);
      // Users are admitted by their token; devices prove themselves inside the WebSocket.
      if (admit) this.preAuth.authenticated(req.socket);
      this.wss.handleUpgrade(req, socket, head, (ws) => this.guard.run(guarded('websocket', req, () => ws.terminate()), () => handler(ws, req, admitted)));
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
   * Graceful stop: no new connections; device by device (all at once, or paced over
   * drainWindowMs) GoAway, drainGraceMs for streams, and when to come back (spread over
   * drainSpreadMs); then everything closes.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const { drainGraceMs: graceMs, drainSpreadMs: spreadMs, drainWindowMs: windowMs } = this.settings;
      this.log.info({ devices: this.sessions.size, graceMs, windowMs }, 'draining');
      this.removals.stop();
      this.certificates.close();
      this.developerAccess.opener.stopWatching();
      this.listener.close();
      this.http.close();
      await this.sessions.drainAll({ graceMs, spreadMs, windowMs });
      for (const client of this.wss.clients) client.terminate();
      this.http.closeAllConnections();
      await this.relay?.close();
      await this.accessEvents?.close();
      await this.presence.clearNode(this.settings.nodeId, Date.now());
      await this.presence.close();
      await this.registry.close();
      this.log.info('stopped');
    })();
    return this.stopping;
  }

  /** Cuts, now, the live streams a change made elsewhere in the cluster no longer allows. */
  private accessWithdrawn(what: string): void {
    const { opener } = this.developerAccess;
    this.log.info({ reason: what }, 'access withdrawn in the cluster: re-checking live streams');
    // A re-check already running may have read the registry before the change: run one after it.
    void opener.recheck().then(() => opener.recheck());
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A whole HTTP request arrived: from here Node's HTTP timeouts bound the connection (5 s idle
    // keep-alive), and a dashboard's poll must not be cut in the middle by the pre-auth deadline.
    this.preAuth.authenticated(req.socket);
    const handling = this.proxyRequestHandler && /^http:\/\//i.test(req.url ?? '') ? this.proxyRequestHandler(req, res).then(() => true) : this.router.handle(req, res);
    return handling.then(
      (handled) => {
        if (!handled) sendError(res, 404, HttpErrorCode.NotFound, `nothing at ${req.url ?? '/'}`);
      },
      (err: Error) => {
        // An HttpError is a handler's answer to a bad request, not a failure of ours.
        if (!(err instanceof HttpError)) this.log.error({ url: req.url, err }, 'request failed');
        if (res.headersSent) res.destroy();
        else {
          const answer = failureAnswer(err);
          sendError(res, answer.status, answer.code, answer.message, answer.headers);
        }
      },
    );
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
      this.log.error({ path, err }, 'upgrade failed');
      socket.destroy();
    });
  }

  private onConnectRequest(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (this.stopping) writeRawError(socket, 503, HttpErrorCode.Draining, 'the server is shutting down; try again shortly');
    else if (!this.connectHandler) writeRawError(socket, 405, HttpErrorCode.Method, 'this server does not take CONNECT');
    else this.connectHandler(req, socket, head);
  }
}

function guarded(kind: GuardedConnection['kind'], req: IncomingMessage, close: () => void): GuardedConnection {
  return { kind, remoteAddress: req.socket.remoteAddress ?? 'unknown', close };
}
