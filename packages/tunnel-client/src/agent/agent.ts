import { EventEmitter } from 'node:events';
import { AuthError, type SignatureCheck, type TranscriptSigner } from '@tunnel/protocol/auth';
import { formatDuration } from '@tunnel/protocol/cli';
import { CodedError, errorCode } from '@tunnel/protocol/errors';
import { type Logger } from '@tunnel/protocol/log';
import { ReconnectLoop, type ReconnectSettings } from '@tunnel/protocol/reconnect';
import { tlsExporter } from '@tunnel/protocol/channel';
import { describeClockOffset } from '@tunnel/protocol/trust';
import { OpenError, OpenResult, TunnelSession, type JoinResult } from '@tunnel/protocol/tunnel';
import { CloseCode, parseDrainHint } from '@tunnel/protocol/wire';
import { type YamuxConfig } from '@tunnel/protocol/yamux';
import type WebSocket from 'ws';
import { loadProxyConfig, proxyRoute, type ProxyConfig } from '../net/proxy-config.js';
import { dialDevice } from './connect.js';
import { explainConnectFailure } from './connect-failure.js';
import type { AgentState } from './control-socket.js';
import type { DeviceConfig } from './device-config.js';
import { configFor } from './server-endpoints.js';
import { deviceHandshake } from './device-handshake.js';
import { dialTarget } from './target-dialer.js';
import { TargetPolicy } from './target-policy.js';

export interface AgentSettings {
  config: DeviceConfig;
  signer: TranscriptSigner;
  verify: SignatureCheck;
  agentVersion: string;
  /** Backoff between attempts; a session that lasted stableAfterMs (default 30 s) resets it. */
  reconnect: ReconnectSettings;
  /** Time for TCP + TLS + WebSocket upgrade, and again for authentication. Default 15 s. */
  connectTimeoutMs: number;
  /** Time to connect to a target on the device. Default 10 s. */
  dialTimeoutMs: number;
  yamux: Partial<YamuxConfig>;
  /** --proxy / HTTPS_PROXY / NO_PROXY, parsed at start-up; from the environment when absent. */
  proxy?: ProxyConfig;
  log: Logger;
}

export interface AgentEvents {
  connected: [sessionId: string];
  disconnected: [reason: string];
}

/** A device clock further than this from the server's is logged as a warning: NTP is not doing its job. */
const CLOCK_WARN_MS = 60_000;

/** Close code and reason of the WebSocket, as the server gave them. */
interface SessionEnd {
  code: number;
  reason: string;
  /** Why the tunnel session ended, when it failed rather than closed. */
  error: Error | undefined;
}

/**
 * The device agent: keeps one tunnel session to the server up for as long as it runs. Every
 * failure is logged with its code and the agent retries with full-jitter backoff; it never gives
 * up, so a device recovers by itself once its network, clock or key is fixed.
 */
export class Agent extends EventEmitter<AgentEvents> {
  private readonly policy: TargetPolicy;
  private readonly reconnect: ReconnectLoop;
  private current: { ws: WebSocket; session: TunnelSession | null } | null = null;
  private loop: Promise<void> | null = null;
  private readonly proxy: ProxyConfig;
  /** Which of config.vpnEndpoints the next attempt dials. */
  private endpointIndex = 0;
  private tunnel: AgentState['tunnel'] = { connected: false, sessionId: null, connectedAt: null, lastFailure: null };
  /** Aborted by stop(): ends a dial in whatever phase it is stalled. */
  private readonly stopping = new AbortController();

  constructor(private readonly settings: AgentSettings) {
    super();
    this.policy = new TargetPolicy(settings.config.allowedTargets, settings.config.localPorts);
    this.reconnect = new ReconnectLoop(settings.reconnect);
    this.proxy = settings.proxy ?? loadProxyConfig();
  }

  start(): void {
    this.loop ??= this.run();
  }

  async stop(): Promise<void> {
    this.reconnect.stop();
    this.stopping.abort();
    const current = this.current;
    if (current?.session) current.session.close();
    // Authentication in progress: a server that stalls would never finish a close handshake.
    else current?.ws.terminate();
    await this.loop;
  }

  /**
   * Tries again at once when the agent is waiting out a backoff (the network changed, the clock
   * was set, or an operator asked); a session that is up, or an attempt under way, is left alone.
   */
  retryNow(): void {
    this.reconnect.retryNow();
  }

  /** The tunnel's side of the state the control socket serves. */
  get tunnelState(): AgentState['tunnel'] {
    return { ...this.tunnel };
  }

  private run(): Promise<void> {
    const log = this.settings.log;
    return this.reconnect.run({
      connect: async () => {
        const started = Date.now();
        const end = await this.connectOnce();
        this.tunnel = { ...this.tunnel, connected: false, sessionId: null, connectedAt: null };
        const upForMs = Date.now() - started;
        // A lost session, a drain included, may mean its node is going away: the next attempt goes elsewhere.
        this.nextEndpoint();
        const hint = parseDrainHint(end.code, end.reason)?.retryAfterMs;
        this.emit('disconnected', end.error ? `${errorCode(end.error) ?? end.error.name}: ${end.error.message}` : `closed (${end.code})`);
        log.warn({ closeCode: end.code, reason: end.reason || undefined, err: end.error, lastedMs: upForMs, drain: hint !== undefined }, 'disconnected');
        return { upForMs, retryAfterMs: hint };
      },
      failed: async (err) => {
        await this.reportFailure(err);
        this.nextEndpoint();
        return err instanceof AuthError ? err.retryAfterMs : undefined;
      },
      retrying: (delay, attempt) => log.info({ retryInMs: delay, attempt }, `retrying in ${formatDuration(delay)}`),
    });
  }

  /** The config naming the server this attempt dials. */
  private get endpointConfig(): DeviceConfig {
    const { config } = this.settings;
    const endpoint = config.vpnEndpoints[this.endpointIndex % config.vpnEndpoints.length];
    return endpoint ? configFor(config, endpoint) : config;
  }

  private nextEndpoint(): void {
    this.endpointIndex = (this.endpointIndex + 1) % this.settings.config.vpnEndpoints.length;
  }

  /** One connection, from dial to close. Resolves when an established session ends. */
  private async connectOnce(): Promise<SessionEnd> {
    try {
      return await this.sessionLifetime();
    } finally {
      this.current = null;
    }
  }

  private async sessionLifetime(): Promise<SessionEnd> {
    const { log } = this.settings;
    const config = this.endpointConfig;
    const route = proxyRoute(this.proxy, config.vpnEndpoint, config.vpnPort).description;
    log.info({ endpoint: `${config.vpnEndpoint}:${config.vpnPort}`, route }, 'connecting');
    const { ws, tlsSocket } = await dialDevice(config, { timeoutMs: this.settings.connectTimeoutMs, proxy: this.proxy, signal: this.stopping.signal });
    this.current = { ws, session: null };
    if (this.reconnect.isStopped) {
      ws.close(CloseCode.Normal);
      throw new Error('stopped');
    }
    const ended = new Promise<SessionEnd>((resolve) =>
      ws.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString(), error: undefined })),
    );
    const auth = await deviceHandshake(ws, {
      uuid: config.uuid,
      signer: this.settings.signer,
      pinnedServerKey: config.serverIdentityKey,
      verify: this.settings.verify,
      agentVersion: this.settings.agentVersion,
      timeoutMs: this.settings.connectTimeoutMs,
      tlsExporter: tlsExporter(tlsSocket),
    });
    const session = new TunnelSession(auth.channel, { role: 'client', yamux: this.settings.yamux, logger: log });
    this.current.session = session;
    session.serve((request) => this.openTarget(request.host, request.port));
    session.once('goaway', () => log.info('server sent GoAway: no new streams; waiting for its reconnect hint'));
    let sessionError: Error | undefined;
    session.once('close', (err) => {
      sessionError = err ?? undefined;
      // The WebSocket close handshake cannot finish on a dead link; do not wait ws's 30 s for it.
      setTimeout(() => ws.terminate(), 2_000).unref();
    });
    const offset = auth.clockOffsetMs;
    log[Math.abs(offset) > CLOCK_WARN_MS ? 'warn' : 'info'](
      { clockOffsetMs: offset },
      `device clock is ${formatDuration(Math.abs(offset))} ${offset >= 0 ? 'ahead of' : 'behind'} the server`,
    );
    const { endToEnd, secureLayer } = auth;
    if (secureLayer) {
      log.warn({ endToEnd, secureLayer }, 'TLS is not end to end (a box between here and the server terminates it): the session runs through the secure layer');
      auth.channel.once('error', (err: Error) => log.error({ code: errorCode(err), err }, 'secure channel broken: the session is closed'));
    }
    log.info({ sessionId: auth.sessionId, endToEnd, secureLayer }, 'connected');
    this.tunnel = { connected: true, sessionId: auth.sessionId, connectedAt: new Date().toISOString(), lastFailure: null };
    this.emit('connected', auth.sessionId);
    const end = await ended;
    session.close();
    return { ...end, error: sessionError };
  }

  /**
   * Logs why a connection failed, as precisely as can be found out: a certificate failure names
   * its dates or issuer, and a clock that makes certificates look invalid is measured against the
   * server's. The loop retries either way, so a device recovers once its clock or trust is fixed.
   */
  private async reportFailure(err: unknown): Promise<void> {
    const { log, connectTimeoutMs } = this.settings;
    const failure = await explainConnectFailure(err, { config: this.endpointConfig, proxy: this.proxy, timeoutMs: connectTimeoutMs });
    // The diagnosis as the Error: its words replace the raw error's, which is one of its causes.
    log.error({ code: failure.code, err: new CodedError(failure.code, failure.message), details: failure.details }, 'connection failed');
    this.tunnel = { ...this.tunnel, lastFailure: { code: failure.code, message: failure.message, at: new Date().toISOString() } };
    if (failure.clock) {
      // A clock that agrees says the certificate itself is at fault (expired, not yet issued): worth knowing too.
      const level = Math.abs(failure.clock.offsetMs) - failure.clock.uncertaintyMs > CLOCK_WARN_MS ? 'warn' : 'info';
      // Same sign as the handshake's clockOffsetMs: device minus server.
      log[level]({ clockOffsetMs: -failure.clock.offsetMs, serverTime: failure.clock.serverTime.toISOString() }, describeClockOffset(failure.clock));
    }
  }

  private async openTarget(host: string, port: number): Promise<{ stream: import('node:net').Socket; onFinished: (r: JoinResult) => void }> {
    const log = this.settings.log;
    const refusal = this.policy.refusal(host, port);
    if (refusal !== undefined) {
      log.warn({ host, port }, 'refused a stream to a target outside this device\'s policy');
      throw new OpenError(OpenResult.PortNotAllowed, `port not allowed by the device: ${host}:${port} is not in its ${refusal}`);
    }
    const socket = await dialTarget(host, port, this.settings.dialTimeoutMs);
    // One info line per stream, at its end (it names the target too): a line per open is CPU on every new stream.
    log.debug({ host, port }, 'stream opened');
    return {
      stream: socket,
      onFinished: (r) => log.info({ host, port, bytesUp: r.bytesAtoB, bytesDown: r.bytesBtoA, durationMs: r.durationMs, err: r.error }, 'stream closed'),
    };
  }
}
