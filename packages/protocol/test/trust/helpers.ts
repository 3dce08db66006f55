import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

/** A fresh temporary directory, removed by the returned cleanup. */
export function tempDir(prefix = 'trust-test-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Registers hooks giving each test of the enclosing describe its own temporary directory. */
export function useTempDir(): { readonly dir: string } {
  const state = { dir: '' };
  let cleanup = (): void => undefined;
  beforeEach(() => {
    ({ dir: state.dir, cleanup } = tempDir());
  });
  afterEach(() => cleanup());
  return state;
}

export interface RunningServer {
  port: number;
  close: () => Promise<void>;
}

/** A real TLS server on loopback that presents `cert` (a PEM chain, leaf first) and says hello. */
export async function startTlsServer(cert: string, key: string, host = '127.0.0.1'): Promise<RunningServer> {
  const server = tls.createServer({ cert, key }, (socket) => {
    socket.on('error', () => undefined);
    socket.end('hello');
  });
  // Rejected handshakes surface here; they are the point of many tests, not failures.
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, resolve);
  });
  const { port } = server.address() as net.AddressInfo;
  return { port, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

export type ConnectOutcome = { authorized: true; socket: tls.TLSSocket } | { authorized: false; error: NodeJS.ErrnoException };

/** Connects the way the agent will (verification on, explicit `ca`) and reports the outcome. */
export function connectTls(options: tls.ConnectionOptions): Promise<ConnectOutcome> {
  return new Promise((resolve) => {
    const socket = tls.connect(options);
    socket.once('secureConnect', () => {
      socket.destroy();
      resolve({ authorized: true, socket });
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve({ authorized: false, error }));
  });
}

/** Whether this machine has an IPv6 loopback to listen on. */
export async function hasIpv6Loopback(): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(0, '::1', () => server.close(() => resolve(true)));
  });
}

export const DAY_MS = 24 * 60 * 60 * 1000;
