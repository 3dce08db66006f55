import net from 'node:net';
import { CodedError } from '@tunnel/protocol/errors';
import { NetErrorCode } from './net-errors.js';
import { withinPhase } from './phase-deadline.js';

export interface TcpTarget {
  host: string;
  port: number;
  /** Source address to bind; load tests spread many simulated devices over 127.0.0.0/8 with it. */
  localAddress?: string;
}

/** host:port with IPv6 in brackets, as in URLs and CONNECT lines. */
export function authority(target: TcpTarget): string {
  return `${net.isIPv6(target.host) ? `[${target.host}]` : target.host}:${target.port}`;
}

/** What each connect failure most likely means, in words a person can act on. */
function explain(err: NodeJS.ErrnoException, where: string, port: number): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return `connection to ${where} refused: nothing listens on that port, or a firewall rejects it`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_FAIL':
      return `cannot resolve ${where.replace(/:\d+$/, '')} (${err.code}): check the name and that DNS (UDP 53) works`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return `${where} is unreachable (${err.code}): no route to it from here`;
    case 'ECONNRESET':
      return `connection to ${where} was reset: a firewall may be rejecting outbound port ${port}`;
    default:
      return `connecting to ${where} failed: ${err.message}`;
  }
}

/**
 * Opens a TCP connection with a deadline, called off when `signal` aborts. Errors keep node's
 * code (ECONNREFUSED, ENOTFOUND, ...) or ETIMEDOUT for the deadline, with a message that says
 * what it means.
 */
export function connectTcp(target: TcpTarget, timeoutMs: number, signal?: AbortSignal): Promise<net.Socket> {
  const where = authority(target);
  const socket = net.connect({ host: target.host, port: target.port, ...(target.localAddress ? { localAddress: target.localAddress } : {}) });
  const connected = new Promise<net.Socket>((resolve, reject) => {
    socket.once('connect', () => {
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
    const onError = (err: NodeJS.ErrnoException): void =>
      reject(new CodedError(err.code ?? NetErrorCode.Connect, explain(err, where, target.port), { cause: err }));
    socket.once('error', onError);
  });
  return withinPhase(connected, {
    ms: timeoutMs,
    signal,
    abandon: () => socket.destroy(),
    onTimeout: () =>
      new CodedError(
        'ETIMEDOUT',
        `no TCP connection to ${where} within ${timeoutMs} ms: a firewall may be dropping outbound port ${target.port}, or the host is down`,
      ),
  });
}
