import type { Socket } from 'node:net';
import type { Logger } from '@tunnel/protocol/log';
import { ConnectionErrorCode } from './errors.js';
import { Tally } from './tally.js';

export interface PreAuthLimits {
  /** Unauthenticated connections one address may hold at once. */
  perSource: number;
  /** Unauthenticated connections all addresses together may hold at once. */
  global: number;
  /** Time a connection has from its TCP accept to authenticate (device handshake or user token). */
  timeoutMs: number;
}

/** The two ends of a TCP connection, which name it on one listener whichever layer looks. */
export interface ConnectionEnds {
  remoteAddress?: string | undefined;
  remotePort?: number | undefined;
}

interface Pending {
  socket: Socket;
  source: string;
  timer: NodeJS.Timeout;
}

/**
 * Caps what unauthenticated peers can hold: every accepted TCP connection counts against its
 * address and against the whole server until it authenticates, and is closed if it has not
 * within the deadline. Past either cap a new connection is closed at once, before any TLS work,
 * so idle floods from one address cannot use up file descriptors the fleet needs.
 */
export class PreAuthGate {
  private readonly pending = new Map<string, Pending>();
  private readonly perSource = new Tally();
  /** Refusals since the last warning, so a flood logs one line a second, not one per socket. */
  private refusedSinceWarning = 0;
  private lastWarningAt = 0;

  constructor(
    private readonly limits: PreAuthLimits,
    private readonly log: Logger,
  ) {}

  /** Unauthenticated connections held now. */
  get size(): number {
    return this.pending.size;
  }

  /** Call for every accepted TCP connection, before TLS. */
  accept(socket: Socket): void {
    const source = socket.remoteAddress ?? 'unknown';
    const key = connectionKey(socket);
    const fromSource = this.perSource.get(source);
    const refusal =
      fromSource >= this.limits.perSource ? ConnectionErrorCode.PreAuthSourceLimit : this.pending.size >= this.limits.global ? ConnectionErrorCode.PreAuthGlobalLimit : undefined;
    if (refusal !== undefined || key === undefined) {
      socket.destroy();
      this.noteRefusal(source, refusal ?? ConnectionErrorCode.PreAuthGlobalLimit);
      return;
    }
    const timer = setTimeout(() => {
      this.log.info({ code: ConnectionErrorCode.PreAuthTimeout, remoteAddress: source, timeoutMs: this.limits.timeoutMs }, 'closing a connection that did not authenticate in time');
      socket.destroy();
    }, this.limits.timeoutMs);
    timer.unref();
    this.pending.set(key, { socket, source, timer });
    this.perSource.add(source);
    socket.once('close', () => this.release(key));
  }

  /** The connection proved who it is (or sent a whole HTTP request): it no longer counts and has no deadline. */
  authenticated(ends: ConnectionEnds): void {
    const key = connectionKey(ends);
    if (key !== undefined) this.release(key);
  }

  private release(key: string): void {
    const entry = this.pending.get(key);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(key);
    this.perSource.remove(entry.source);
  }

  private noteRefusal(source: string, code: ConnectionErrorCode): void {
    this.refusedSinceWarning += 1;
    const now = Date.now();
    if (now - this.lastWarningAt < 1_000) return;
    this.log.warn({ code, remoteAddress: source, refused: this.refusedSinceWarning, unauthenticated: this.pending.size }, 'refusing connections: too many unauthenticated');
    this.lastWarningAt = now;
    this.refusedSinceWarning = 0;
  }
}

function connectionKey(ends: ConnectionEnds): string | undefined {
  if (ends.remoteAddress === undefined || ends.remotePort === undefined) return undefined;
  return `${ends.remoteAddress}|${ends.remotePort}`;
}
