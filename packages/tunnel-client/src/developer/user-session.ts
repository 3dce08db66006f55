import { EventEmitter } from 'node:events';
import { AuthErrorCode } from '@tunnel/protocol/auth';
import { CodedError, errorCode } from '@tunnel/protocol/errors';
import { type Logger } from '@tunnel/protocol/log';
import { ReconnectLoop, type BackoffSettings, type SessionEnded } from '@tunnel/protocol/reconnect';
import { WebSocketDuplex } from '@tunnel/protocol/transport';
import { type EarlyBytes, OpenError, OpenResult, TunnelSession, type OpenRequest } from '@tunnel/protocol/tunnel';
import { type YamuxConfig, type YamuxStream } from '@tunnel/protocol/yamux';
import type { ServerConnection } from './connection-settings.js';
import { dialServer } from './server-dial.js';
import { ServerErrorCode } from './server-errors.js';
import { NetErrorCode } from '../net/net-errors.js';
import { DeveloperErrorCode } from './developer-errors.js';
import { StreamNotices } from './stream-notices.js';

export interface UserSessionOptions {
  connection: ServerConnection;
  log: Logger;
  /** An open made while the session is down waits this long for it to come back. Default 5 s. */
  waitForSessionMs?: number;
  /** Reconnect delays. Default 500 ms growing to 10 s, with full jitter. */
  backoff?: BackoffSettings;
  /** Time for TCP + TLS + upgrade. Default 15 s. */
  connectTimeoutMs?: number;
  /**
   * Time to wait for the verdict on an open. Longer than the server's own wait on the device,
   * so its precise answer (timed out on the device) arrives before ours would. Default 60 s.
   */
  openTimeoutMs?: number;
  yamux?: Partial<YamuxConfig>;
  /** Set by `device proxy`, so the server audits its streams as an ssh ProxyCommand's. */
  proxyCommand?: boolean;
}

export interface UserSessionEvents {
  /** A session is up (the first one, or after a reconnect). */
  up: [reconnected: boolean];
  /** The session went away; a reconnect is under way. */
  down: [reason: string];
  /** A reconnect attempt failed; the next one follows after delayMs. */
  retry: [reason: string, delayMs: number];
}

/** Codes after which retrying cannot help until a person acts. */
const PERMANENT = new Set<string>([AuthErrorCode.BadToken, AuthErrorCode.MissingToken, ServerErrorCode.Untrusted]);

/**
 * The developer CLI's one tunnel session to the server: every forwarded connection is a stream
 * inside it, so there is no TLS handshake per connection. When it drops, it reconnects with
 * backoff; opens made meanwhile wait a few seconds for it, then fail saying why.
 */
export class UserSession extends EventEmitter<UserSessionEvents> {
  private session: TunnelSession | null = null;
  private lastError: CodedError | null = null;
  private readonly reconnect: ReconnectLoop;
  private readonly waiters = new Set<() => void>();
  private stopped = false;
  /** Why the server cut streams of this CLI, when it said. */
  readonly notices = new StreamNotices();

  constructor(private readonly options: UserSessionOptions) {
    super();
    // Every session that comes up resets the backoff: a developer waits on it, and the server
    // bounds a storm of CLIs with its own auth limits.
    this.reconnect = new ReconnectLoop({ backoff: options.backoff ?? { baseMs: 500, capMs: 10_000 }, stableAfterMs: 0 });
  }

  /**
   * The first connection; rejects with the precise reason (bad token, unreachable, untrusted).
   * Once it is up, lost sessions are replaced in the background until close().
   */
  async start(): Promise<void> {
    let first: { ended: Promise<SessionEnded> } | null = await this.connect(false);
    void this.reconnect.run({
      connect: async () => {
        const up = first ?? (await this.connect(true));
        first = null;
        return up.ended;
      },
      failed: (err) => {
        this.lastError = err instanceof CodedError ? err : new CodedError(errorCode(err) ?? NetErrorCode.Connect, (err as Error).message);
        return undefined;
      },
      retrying: (delay, attempt, failure) => {
        const last = this.lastError;
        if (failure !== undefined && last) {
          this.options.log.info({ code: last.code, err: last, retryInMs: delay }, 'reconnect failed');
          this.emit('retry', `${last.message} [${last.code}]`, delay);
          this.notify();
        }
        this.options.log.info({ retryInMs: delay, attempt }, 'reconnecting to the server');
      },
    });
  }

  /**
   * Opens a stream to a device target; rejects with OpenError or a coded connection error.
   * `early`'s bytes go right behind the request (again on the new session, if one replaces it).
   */
  async open(request: OpenRequest, early?: EarlyBytes): Promise<YamuxStream> {
    const session = await this.ready();
    try {
      return await this.openOn(session, request, early);
    } catch (err) {
      // Our own session died under the open (not the server's verdict, which leaves it up):
      // that is not "device offline", so wait for the reconnect like any new connection does.
      if (session.closed || session.mux.goneAway.remote) return this.openOn(await this.ready(), request, early);
      throw err;
    }
  }

  private async openOn(session: TunnelSession, request: OpenRequest, early: EarlyBytes | undefined): Promise<YamuxStream> {
    const stream = await session.open(request, early);
    this.notices.opened(stream, session);
    return stream;
  }

  close(): void {
    this.stopped = true;
    this.reconnect.stop();
    this.session?.close();
    this.session = null;
    this.notify();
  }

  private usable(): TunnelSession | null {
    const s = this.session;
    return s && !s.closed && !s.mux.goneAway.remote ? s : null;
  }

  private ready(): Promise<TunnelSession> {
    const now = this.usable();
    if (now) return Promise.resolve(now);
    const waitMs = this.options.waitForSessionMs ?? 5_000;
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const s = this.usable();
        if (s) {
          done();
          resolve(s);
          return true;
        }
        if (this.stopped || (this.lastError && PERMANENT.has(this.lastError.code))) {
          done();
          reject(this.unavailable());
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        done();
        reject(this.unavailable(waitMs));
      }, waitMs);
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(onChange);
      };
      const onChange = (): void => void check();
      if (!check()) this.waiters.add(onChange);
    });
  }

  private unavailable(waitedMs?: number): CodedError {
    if (this.stopped) return new CodedError(DeveloperErrorCode.SessionClosed, 'the CLI is shutting down');
    const last = this.lastError;
    if (last && PERMANENT.has(last.code)) return last;
    const why = last ? `: ${last.message}` : '';
    return new CodedError(ServerErrorCode.Unreachable, `no connection to the tunnel server${waitedMs ? ` for ${waitedMs / 1000} s` : ''}${why}`);
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** One session, up; `ended` settles when it closes or the server starts draining. */
  private async connect(reconnected: boolean): Promise<{ ended: Promise<SessionEnded> }> {
    const { connection, log } = this.options;
    const ws = await dialServer(connection, { timeoutMs: this.options.connectTimeoutMs ?? 15_000, proxyCommand: this.options.proxyCommand === true });
    const session = new TunnelSession(new WebSocketDuplex(ws), {
      role: 'client',
      yamux: this.options.yamux ?? {},
      logger: log,
      handshakeTimeoutMs: this.options.openTimeoutMs ?? 60_000,
    });
    // The server opens no streams towards a developer's machine; it only sends notices.
    this.notices.watch(session);
    session.serve(async () => {
      throw new OpenError(OpenResult.AccessDenied, 'the CLI does not accept streams');
    });
    if (this.stopped) {
      // close() came while dialling: nothing to keep up, and the loop ends on its stopped check.
      session.close();
      return { ended: Promise.resolve({ upForMs: 0 }) };
    }
    const upAt = Date.now();
    this.session = session;
    this.lastError = null;
    const ended = new Promise<SessionEnded>((resolve) => {
      const lost = (reason: string): void => {
        resolve({ upForMs: Date.now() - upAt });
        if (this.session !== session || this.stopped) return;
        this.session = null;
        log.warn({ reason }, 'lost the session to the server');
        this.emit('down', reason);
        this.notify();
      };
      session.once('close', (err) => lost(err ? `${err.code}: ${err.message}` : 'closed by the server'));
      // A draining server takes no new streams: move to a fresh session now, old streams finish on this one.
      session.once('goaway', () => lost('the server is restarting'));
    });
    log.info({ server: connection.server.origin, reconnected }, 'connected to the server');
    this.emit('up', reconnected);
    this.notify();
    return { ended };
  }
}
