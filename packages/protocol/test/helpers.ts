import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { YamuxSession, type YamuxConfig } from '../src/index.js';

/** A connected pair of real loopback TCP sockets. */
export async function tcpPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const serverSide = await accepted;
  server.close();
  client.setNoDelay(true);
  serverSide.setNoDelay(true);
  return [client, serverSide];
}

/** Client and server yamux sessions over a loopback TCP connection. */
export async function sessionPair(config: Partial<YamuxConfig> = {}): Promise<{ client: YamuxSession; server: YamuxSession; sockets: [net.Socket, net.Socket] }> {
  const sockets = await tcpPair();
  return {
    client: new YamuxSession(sockets[0], { role: 'client', config }),
    server: new YamuxSession(sockets[1], { role: 'server', config }),
    sockets,
  };
}

export function sha256(data: Buffer | Buffer[]): string {
  const h = createHash('sha256');
  for (const b of Array.isArray(data) ? data : [data]) h.update(b);
  return h.digest('hex');
}

/** Reads a stream to its end. */
export async function readAll(stream: Duplex): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
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

export function waitFor<T>(emitter: { once(event: string, fn: (arg: T) => void): unknown }, event: string): Promise<T> {
  return new Promise((resolve) => emitter.once(event, resolve));
}
