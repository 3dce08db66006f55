import { BlockList, createServer, isIPv4, type Server, type Socket } from 'node:net';
import { asError, type Logger } from '@tunnel/protocol/log';
import { presentClientAddress } from './client-address.js';
import { parseProxyHeader, type ProxyVersionSetting } from './proxy-header.js';
import { ProxyHeaderError, ProxyProtocolErrorCode } from './proxy-protocol-errors.js';

export type ProxyProtocolMode = 'off' | ProxyVersionSetting;

export interface ProxyProtocolSettings {
  mode: ProxyProtocolMode;
  /** Addresses or CIDR ranges of the load balancers; empty: any source may send a header. */
  trustedSources: string[];
}

export const PROXY_PROTOCOL_MODES: readonly ProxyProtocolMode[] = ['off', 'v1', 'v2', 'any'];

/** An address or CIDR range (10.0.0.0/8, fd00::/8) as a BlockList entry; throws a RangeError when it is neither. */
export function trustedSourceList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', bits] = entry.split('/');
    const type = isIPv4(address) ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(bits), type);
  }
  return list;
}

/** Node reports IPv4 peers of a dual-stack listener as ::ffff:a.b.c.d. */
function plainAddress(address: string): string {
  const v4 = address.replace(/^::ffff:/i, '');
  return isIPv4(v4) ? v4 : address;
}

/**
 * The TCP listener in front of the HTTPS server when a load balancer speaks the PROXY protocol:
 * it reads the header before any TLS byte, makes the socket report the client's address, then
 * hands the socket (with the bytes after the header) to the HTTPS server as a new connection.
 * A connection without a valid header is closed and logged with its code.
 */
export class ProxyProtocolFront {
  readonly listener: Server;
  private readonly trusted: BlockList | undefined;
  /** Connections still owing their header; they count nowhere else yet. */
  private pending = 0;
  private lastBacklogWarningAt = 0;

  constructor(
    private readonly settings: ProxyProtocolSettings & { mode: ProxyVersionSetting },
    private readonly target: Server,
    /** Time to send the header, and how many connections may owe one at once (the pre-auth caps). */
    private readonly limits: { headerTimeoutMs: number; maxPending: number },
    private readonly log: Logger,
  ) {
    this.trusted = settings.trustedSources.length > 0 ? trustedSourceList(settings.trustedSources) : undefined;
    this.listener = createServer((socket) => this.accept(socket));
  }

  private accept(socket: Socket): void {
    const balancer = plainAddress(socket.remoteAddress ?? 'unknown');
    socket.on('error', (err) => this.log.debug({ err, balancer }, 'socket error before the PROXY header'));
    if (this.trusted && !this.trusted.check(balancer, isIPv4(balancer) ? 'ipv4' : 'ipv6')) {
      this.refuse(socket, balancer, new ProxyHeaderError(ProxyProtocolErrorCode.UntrustedSource, `${balancer} is not a trusted load balancer (--proxy-protocol-from)`));
      return;
    }
    if (this.pending >= this.limits.maxPending) {
      socket.destroy();
      this.warnBacklog(balancer);
      return;
    }
    this.pending += 1;
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => {
      this.refuse(socket, balancer, new ProxyHeaderError(ProxyProtocolErrorCode.Timeout, `no complete PROXY header within ${this.limits.headerTimeoutMs} ms`));
    }, this.limits.headerTimeoutMs);
    timer.unref();
    let owing = true;
    const settled = (): void => {
      clearTimeout(timer);
      if (owing) this.pending -= 1;
      owing = false;
    };
    const onData = (chunk: Buffer): void => {
      received = Buffer.concat([received, chunk]);
      try {
        const parsed = parseProxyHeader(received, this.settings.mode);
        if (!parsed.complete) return;
        settled();
        socket.off('data', onData);
        socket.pause();
        if (parsed.header.source) presentClientAddress(socket, parsed.header.source);
        const rest = received.subarray(parsed.length);
        if (rest.length > 0) socket.unshift(rest);
        this.target.emit('connection', socket);
      } catch (err) {
        settled();
        socket.off('data', onData);
        this.refuse(socket, balancer, asError(err));
      }
    };
    socket.on('data', onData);
    socket.once('close', settled);
  }

  /** A flood is one line a second, not one per socket. */
  private warnBacklog(balancer: string): void {
    const now = Date.now();
    if (now - this.lastBacklogWarningAt < 1_000) return;
    this.lastBacklogWarningAt = now;
    this.log.warn({ code: ProxyProtocolErrorCode.Backlog, balancer, unauthenticated: this.pending }, 'refusing connections: too many still owe their PROXY header');
  }

  private refuse(socket: Socket, balancer: string, err: Error): void {
    const code = err instanceof ProxyHeaderError ? err.code : undefined;
    this.log.warn({ code, err, balancer }, 'closing a connection: bad or missing PROXY protocol header');
    socket.destroy();
  }
}
