import net from 'node:net';
import { JOINED_SOCKET_WRITE_HIGH_WATER, OpenError, OpenResult } from '@tunnel/protocol/tunnel';

/**
 * Connects to a target on the device side and turns each failure into the precise result the
 * developer will see: nothing listening is not the same as a host that does not answer.
 */
export function dialTarget(host: string, port: number, timeoutMs: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    // Node passes the options on to the socket's Duplex; @types/node does not list writableHighWaterMark.
    const options = { host, port, allowHalfOpen: true, writableHighWaterMark: JOINED_SOCKET_WRITE_HIGH_WATER };
    const socket = net.connect(options);
    const where = `${host}:${port}`;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new OpenError(OpenResult.TimedOut, `connecting to ${where} on the device timed out after ${timeoutMs} ms (a firewall dropping packets, or the host is down)`));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.setNoDelay(true);
      socket.removeAllListeners('error');
      resolve(socket);
    });
    socket.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(explainDialError(err, where, timeoutMs));
    });
  });
}

export function explainDialError(err: NodeJS.ErrnoException, where: string, timeoutMs: number): OpenError {
  switch (err.code) {
    case 'ECONNREFUSED':
      return new OpenError(OpenResult.ConnectionRefused, `connection refused by ${where} on the device: nothing is listening on that port`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
      return new OpenError(OpenResult.HostUnreachable, `${where} is unreachable from the device (${err.code})`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new OpenError(OpenResult.HostUnreachable, `the device cannot resolve ${where.replace(/:\d+$/, '')} (${err.code})`);
    case 'ETIMEDOUT':
      return new OpenError(OpenResult.TimedOut, `connecting to ${where} on the device timed out after ${timeoutMs} ms`);
    default:
      return new OpenError(OpenResult.ServerError, `connecting to ${where} on the device failed: ${err.message}`);
  }
}
