import { createHash, randomBytes } from 'node:crypto';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import { HEADER_SIZE, YamuxSession, type YamuxConfig, type YamuxError } from '../src/yamux/index.js';
import { tcpPair } from './loopback.js';

export { tcpPair, wsPair } from './loopback.js';


/** Client and server yamux sessions over a loopback TCP connection. */
export async function sessionPair(
  config: Partial<YamuxConfig> = {},
  serverConfig: Partial<YamuxConfig> = config,
): Promise<{ client: YamuxSession; server: YamuxSession; sockets: [net.Socket, net.Socket] }> {
  const sockets = await tcpPair();
  return {
    client: new YamuxSession(sockets[0], { role: 'client', config }),
    server: new YamuxSession(sockets[1], { role: 'server', config: serverConfig }),
    sockets,
  };
}

/** Cuts bytes into chunks at the given points (taken modulo its length, so any numbers do), as a socket might deliver them. */
export function cutAt(bytes: Buffer, points: readonly number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let start = 0;
  for (const p of sorted) {
    chunks.push(bytes.subarray(start, p));
    start = p;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

export function sha256(data: Buffer | Buffer[]): string {
  const h = createHash('sha256');
  for (const b of Array.isArray(data) ? data : [data]) h.update(b);
  return h.digest('hex');
}

/** Reads a stream to its end, leaving its writable side open (a plain for-await would destroy it). */
export async function readAll(stream: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream.iterator({ destroyOnReturn: false })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Echoes every incoming stream back to its sender, half-close included. */
export function echoServer(session: YamuxSession): void {
  session.on('stream', (stream) => {
    stream.on('error', () => undefined);
    stream.pipe(stream);
  });
}

export function randomPayload(size: number): Buffer {
  return randomBytes(size);
}

/**
 * Opens `count` streams at once, sends each `size` random bytes and a FIN, and reports for each
 * whether the echo that came back has the same SHA-256.
 */
export async function echoConcurrently(open: () => Duplex, count: number, size: number): Promise<boolean[]> {
  return Promise.all(
    Array.from({ length: count }, async () => {
      const data = randomPayload(size);
      const stream = open();
      stream.end(data);
      return sha256(await readAll(stream)) === sha256(data);
    }),
  );
}

export function waitFor<T>(emitter: { once(event: string, fn: (arg: T) => void): unknown }, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, resolve));
}

/** For streams a test leaves open when it closes the session (their 'error' would be unhandled). */
export function quiet<T extends Duplex>(stream: T): T {
  stream.on('error', () => undefined);
  return stream;
}

/** Resolves with the error a session closes with (undefined for a clean close). */
export function closeOf(session: YamuxSession): Promise<YamuxError | undefined> {
  return new Promise((resolve) => session.once('close', resolve));
}

/** The error a stream fails with; rejects if it ends cleanly instead. */
export function streamError(stream: Duplex): Promise<Error & { code?: string }> {
  return new Promise((resolve, reject) => {
    stream.once('error', resolve);
    stream.once('close', () => setImmediate(() => reject(new Error('stream closed without an error'))));
  });
}

/** Polls a condition until it holds; fails after timeoutMs (kept generous: CI machines are loaded). */
export async function waitUntil(cond: () => boolean, what: string | (() => string), timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** One frame as bytes, built by hand so tests can send what our encoder never would. */
export function rawFrame(
  type: number,
  flags: number,
  streamId: number,
  length: number,
  payload: Buffer = Buffer.alloc(0),
  version = 0,
): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header[0] = version;
  header[1] = type;
  header.writeUInt16BE(flags, 2);
  header.writeUInt32BE(streamId >>> 0, 4);
  header.writeUInt32BE(length >>> 0, 8);
  return Buffer.concat([header, payload]);
}

export interface RawFrame {
  version: number;
  type: number;
  flags: number;
  streamId: number;
  length: number;
  payload: Buffer;
}

/**
 * Parses what a session sends, independently of our decoder, so a test of the session does not
 * lean on the code under test to read its output.
 */
export class RawFrameReader {
  readonly frames: RawFrame[] = [];
  ended = false;
  private pending = Buffer.alloc(0);

  /** Without a socket, feed() it by hand (from WebSocket messages, say). */
  constructor(socket?: Duplex) {
    socket?.on('data', (chunk: Buffer) => this.feed(chunk));
    socket?.on('end', () => (this.ended = true));
    socket?.on('close', () => (this.ended = true));
    socket?.on('error', () => undefined);
  }

  /** Waits for a frame matching the predicate (searching those already received too). */
  async next(match: (f: RawFrame) => boolean, what: string): Promise<RawFrame> {
    let found: RawFrame | undefined;
    await waitUntil(() => (found = this.frames.find(match)) !== undefined, what);
    return found!;
  }

  feed(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      if (this.pending.length < HEADER_SIZE) return;
      const type = this.pending[1]!;
      const length = this.pending.readUInt32BE(8);
      const payloadLength = type === 0 ? length : 0;
      if (this.pending.length < HEADER_SIZE + payloadLength) return;
      this.frames.push({
        version: this.pending[0]!,
        type,
        flags: this.pending.readUInt16BE(2),
        streamId: this.pending.readUInt32BE(4),
        length,
        payload: Buffer.from(this.pending.subarray(HEADER_SIZE, HEADER_SIZE + payloadLength)),
      });
      this.pending = this.pending.subarray(HEADER_SIZE + payloadLength);
    }
  }
}

/** A session on one end of a loopback TCP connection and a raw socket, speaking bytes, on the other. */
export async function rawPeer(
  role: 'client' | 'server',
  config: Partial<YamuxConfig> = {},
): Promise<{ session: YamuxSession; raw: net.Socket; sessionSocket: net.Socket; reader: RawFrameReader }> {
  const [raw, sessionSocket] = await tcpPair();
  const session = new YamuxSession(sessionSocket, { role, config: { enableKeepAlive: false, ...config } });
  const reader = new RawFrameReader(raw);
  return { session, raw, sessionSocket, reader };
}
