import net from 'node:net';
import type { Endpoint } from '../net/endpoint.js';

export interface ConnectOptions {
  readonly timeoutMs: number;
  /** Source address, for spreading many connections over 127.0.0.0/8. */
  readonly localAddress?: string;
}

/** Resolves with a connected socket; Nagle is off because every scenario here cares about latency. */
export function connect(endpoint: Endpoint, options: ConnectOptions): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({
      host: endpoint.host,
      port: endpoint.port,
      noDelay: true,
      ...(options.localAddress !== undefined ? { localAddress: options.localAddress } : {}),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`connect to ${endpoint.host}:${endpoint.port} timed out after ${options.timeoutMs} ms`));
    }, options.timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      // A reset between two operations must not crash the run as an unhandled 'error' event: the
      // operation in progress learns of it from 'close' (or its own 'error' listener) and fails.
      socket.on('error', () => {});
      resolve(socket);
    });
    const onError = (err: Error): void => {
      clearTimeout(timer);
      reject(err);
    };
    socket.once('error', onError);
  });
}

/**
 * Reads exactly n bytes. Ends the wait with an error when the socket closes first or the deadline
 * passes, so a broken path fails the scenario instead of hanging the run.
 */
export function readExactly(socket: net.Socket, n: number, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const cleanup = (): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onError);
      // Paused, so bytes after the n we wanted wait for the next reader instead of being dropped.
      socket.pause();
    };
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      have += chunk.length;
      if (have < n) return;
      cleanup();
      const all = Buffer.concat(chunks);
      if (all.length > n) socket.unshift(all.subarray(n));
      resolve(all.subarray(0, n));
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error(`connection closed after ${have} of ${n} expected bytes`));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`read of ${n} bytes timed out after ${timeoutMs} ms (got ${have})`));
    }, timeoutMs);
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.once('error', onError);
    socket.resume();
  });
}

/** Destroys the socket and waits until the fd is really closed, outside any timed window. */
export function closeSocket(socket: net.Socket): Promise<void> {
  if (socket.destroyed && socket.closed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('close', () => resolve());
    socket.destroy();
  });
}
