import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { Readable, type Duplex } from 'node:stream';

/** A port nobody listens on right now (the OS picks it; a short race with other processes remains). */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host, port: 0 }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** The port a test would like (the seed's 22222, 4321), or a free one if something holds it. */
export async function preferredPort(port: number, host = '127.0.0.1'): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ host, port }, () => s.close(() => resolve(true)));
  });
  return free ? port : freePort(host);
}

/** A TCP server of the test, closed by cleanupServers(). */
export async function tcpServer(host: string, onConnection: (socket: net.Socket) => void, port = 0): Promise<{ server: net.Server; port: number }> {
  const server = net.createServer({ allowHalfOpen: true }, (socket) => {
    socket.on('error', () => undefined);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, resolve);
  });
  servers.add(server);
  return { server, port: (server.address() as net.AddressInfo).port };
}

const servers = new Set<net.Server>();
const sockets = new Set<net.Socket>();

/** Closes every server tcpServer() started and their connections. Call from after(). */
export async function cleanupServers(): Promise<void> {
  for (const s of servers) s.close();
  for (const s of sockets) s.destroy();
  servers.clear();
  sockets.clear();
}

/** Reads until the peer's FIN, then answers "got <n> bytes <sha256>" and ends: a half-close check. */
export function countingReplier(socket: net.Socket): void {
  const hash = createHash('sha256');
  let n = 0;
  socket.on('data', (c: Buffer) => {
    n += c.length;
    hash.update(c);
  });
  socket.on('end', () => socket.end(`got ${n} bytes ${hash.digest('hex')}`));
}

/** Connects, writes `data`, sends FIN, and collects the answer until the peer's FIN. */
export function exchange(port: number, data: Buffer | string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('end', () => {
      socket.end();
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    socket.on('error', reject);
    socket.end(data);
  });
}

/**
 * `total` bytes of reproducible noise (AES-CTR keystream), produced chunk by chunk so a GiB
 * never sits in memory, with its SHA-256 available once it has all been read.
 */
export function noise(total: number, chunkSize = 1024 * 1024): { stream: Readable; digest: () => string } {
  const cipher = createCipheriv('aes-128-ctr', randomBytes(16), randomBytes(16));
  const zeros = Buffer.alloc(chunkSize);
  const hash = createHash('sha256');
  let left = total;
  const stream = new Readable({
    highWaterMark: chunkSize,
    read() {
      if (left === 0) {
        this.push(null);
        return;
      }
      const n = Math.min(left, chunkSize);
      const chunk = cipher.update(n === chunkSize ? zeros : zeros.subarray(0, n));
      left -= n;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

/** Hashes everything a socket delivers until its FIN. */
export function hashUntilEnd(socket: net.Socket): Promise<{ bytes: number; sha256: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (c: Buffer) => {
      bytes += c.length;
      hash.update(c);
    });
    socket.once('end', () => resolve({ bytes, sha256: hash.digest('hex') }));
    socket.once('error', reject);
  });
}

/** Writes `data`, ends the stream and resolves with all the text the peer sent back before its end. */
export function sendAndReadAll(stream: Duplex, data: string): Promise<string> {
  const answer = new Promise<string>((resolve, reject) => {
    let text = '';
    stream.on('data', (c: Buffer) => (text += c.toString()));
    stream.once('end', () => resolve(text));
    stream.once('error', reject);
  });
  stream.end(data);
  return answer;
}

/** Resident memory of a process in bytes (/proc/<pid>/status VmRSS). */
export function residentBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return Number(m[1]) * 1024;
}

/** A TCP relay the test can cut and restore, standing in for a network that drops the server. */
export class Relay {
  private server: net.Server | null = null;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, '127.0.0.1');
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.once('close', () => {
          this.sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: this.port }, resolve);
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Refuses new connections and cuts the open ones, as a dead link would. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** Connects, sends `data` if given, and resolves with what came back once the peer closed. */
export function connectUntilClosed(port: number, data?: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('end', () => socket.end());
    socket.once('close', () => resolve(Buffer.concat(chunks).toString()));
    if (data !== undefined) socket.end(data);
  });
}

/** A raw TCP connection that says nothing (from `localAddress`, another loopback address, when given); `closed` tells when it ended. */
export function idleConnection(port: number, localAddress?: string): { socket: net.Socket; closed: Promise<void> } {
  const socket = net.connect({ host: '127.0.0.1', port, ...(localAddress === undefined ? {} : { localAddress }) });
  socket.on('error', () => undefined);
  return { socket, closed: new Promise((resolve) => socket.once('close', () => resolve())) };
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Proxy variables set to empty: a test's agent must not pick up whatever proxy the machine
 * running the tests has configured (empty counts as unset for the agent).
 */
export const NO_PROXY_ENV: NodeJS.ProcessEnv = {
  HTTPS_PROXY: '',
  https_proxy: '',
  ALL_PROXY: '',
  all_proxy: '',
  NO_PROXY: '',
  no_proxy: '',
};
