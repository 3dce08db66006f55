// Throughput of our yamux over loopback TCP and a loopback WebSocket, with raw TCP, raw WebSocket
// and yamux-js measured in the same run as baselines. Sender and receiver share this process (as
// they share a machine in the tunnel), so every figure pays for both ends.
//
//   npm run bench:mux [-- --json] [-- --quick] [-- --seconds N]
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import type { Duplex, Readable, Transform, Writable } from 'node:stream';
import type WebSocket from 'ws';
import { Client, Server } from 'yamux-js';
import { createKeyShare, deriveSessionKeys, SecureDuplex } from '../src/channel/index.js';
import { WebSocketDuplex } from '../src/transport/index.js';
import { YamuxSession } from '../src/yamux/index.js';
import { tcpPair, wsPair } from '../test/loopback.js';

interface Result {
  name: string;
  streams: number;
  bytes: number;
  seconds: number;
  /** MiB per second, received. */
  mibps: number;
}

const CHUNK = randomBytes(64 * 1024);

/** Writes CHUNK until the deadline, honouring backpressure, then ends; returns bytes written. */
async function produce(writable: Writable, deadline: number): Promise<number> {
  let written = 0;
  while (Date.now() < deadline) {
    written += CHUNK.length;
    if (!writable.write(CHUNK)) await once(writable, 'drain');
  }
  writable.end();
  return written;
}

/** Counts bytes until the readable ends. */
function consume(readable: Readable): Promise<number> {
  return new Promise((resolve, reject) => {
    let n = 0;
    readable.on('data', (chunk: Buffer) => (n += chunk.length));
    readable.once('end', () => resolve(n));
    readable.once('error', reject);
  });
}

/** Runs `streams` transfers at once; each makes its writer/reader pair when asked. */
async function timed(
  name: string,
  streams: number,
  seconds: number,
  pair: () => { writer: Writable; reader: Promise<Readable> },
): Promise<Result> {
  const start = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  const received = await Promise.all(
    Array.from({ length: streams }, async () => {
      const { writer, reader } = pair();
      const [, got] = await Promise.all([produce(writer, deadline), reader.then(consume)]);
      return got;
    }),
  );
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const bytes = received.reduce((a, b) => a + b, 0);
  return { name, streams, bytes, seconds: elapsed, mibps: bytes / elapsed / (1024 * 1024) };
}

async function rawTcp(seconds: number): Promise<Result> {
  const [a, b] = await tcpPair();
  const result = await timed('raw TCP', 1, seconds, () => ({ writer: a, reader: Promise.resolve(b) }));
  a.destroy();
  b.destroy();
  return result;
}

async function rawWs(seconds: number): Promise<Result> {
  const [a, b] = await wsPair();
  const result = await timed('raw WebSocket (byte pipe)', 1, seconds, () => ({
    writer: new WebSocketDuplex(a),
    reader: Promise.resolve(new WebSocketDuplex(b)),
  }));
  a.terminate();
  b.terminate();
  return result;
}

/** Our yamux between two byte pipes: the client opens, the server receives. */
async function ours(name: string, streams: number, seconds: number, pipes: [Duplex, Duplex]): Promise<Result> {
  const client = new YamuxSession(pipes[0], { role: 'client' });
  const server = new YamuxSession(pipes[1], { role: 'server' });
  const waiting: ((s: Readable) => void)[] = [];
  server.on('stream', (s) => waiting.shift()!(s));
  const result = await timed(name, streams, seconds, () => ({
    writer: client.open(),
    reader: new Promise<Readable>((resolve) => waiting.push(resolve)),
  }));
  client.close();
  server.close();
  return result;
}

interface YamuxJsStream extends Writable {
  close(): void;
}

/** Both ends yamux-js over a WebSocket, one frame per message (yamux-js cannot reassemble frames). */
async function yamuxJs(streams: number, seconds: number): Promise<Result> {
  const [a, b] = await wsPair();
  const counts: number[] = [];
  const server = new Server(
    (stream) => {
      const i = counts.push(0) - 1;
      stream.on('data', (chunk: Buffer) => (counts[i]! += chunk.length));
    },
    { enableKeepAlive: false, logger: () => undefined },
  );
  const client = new Client({ enableKeepAlive: false, logger: () => undefined });
  const wire = (session: Transform, ws: WebSocket): void => {
    session.on('error', () => undefined);
    ws.on('message', (data: Buffer) => session.write(data));
    session.on('data', (frame: Buffer) => ws.send(frame, { binary: true }));
  };
  wire(server, b);
  wire(client, a);
  const start = process.hrtime.bigint();
  const deadline = Date.now() + seconds * 1000;
  const written = await Promise.all(
    Array.from({ length: streams }, async () => {
      const stream = client.open() as unknown as YamuxJsStream;
      let n = 0;
      // yamux-js never reports backpressure; it polls its window every 100 ms inside write.
      while (Date.now() < deadline) {
        n += CHUNK.length;
        await new Promise<void>((resolve, reject) => stream.write(CHUNK, (err) => (err ? reject(err) : resolve())));
      }
      return n;
    }),
  );
  const total = written.reduce((x, y) => x + y, 0);
  // yamux-js ignores FIN, so the end is when every byte written has been counted.
  const giveUp = Date.now() + 30_000;
  while (counts.reduce((x, y) => x + y, 0) < total && Date.now() < giveUp) await new Promise((r) => setTimeout(r, 5));
  const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  const bytes = counts.reduce((x, y) => x + y, 0);
  a.terminate();
  b.terminate();
  return { name: 'yamux-js over WebSocket', streams, bytes, seconds: elapsed, mibps: bytes / elapsed / (1024 * 1024) };
}

function parseArgs(argv: string[]): { json: boolean; seconds: number } {
  const json = argv.includes('--json');
  const quick = argv.includes('--quick');
  const i = argv.indexOf('--seconds');
  const seconds = i >= 0 ? Number(argv[i + 1]) : quick ? 0.5 : 2;
  if (!(seconds > 0 && seconds <= 60)) throw new Error('--seconds takes a number from 0 to 60');
  return { json, seconds };
}

function table(results: Result[], rawTcpMibps: number): string {
  const rows = results.map((r) => [r.name, String(r.streams), r.mibps.toFixed(1), `${((100 * r.mibps) / rawTcpMibps).toFixed(0)}%`]);
  const head = ['transfer', 'streams', 'MiB/s', 'vs raw TCP'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** The two ends of a byte pipe wrapped in the secure layer, keyed as a device and the server key it. */
function secured([device, server]: [Duplex, Duplex]): [Duplex, Duplex] {
  const deviceShare = createKeyShare();
  const serverShare = createKeyShare();
  const transcript = Buffer.from('mux-bench');
  return [
    new SecureDuplex(device, deriveSessionKeys(deviceShare, serverShare.publicKey, transcript, 'device')),
    new SecureDuplex(server, deriveSessionKeys(serverShare, deviceShare.publicKey, transcript, 'server')),
  ];
}

async function main(): Promise<void> {
  const { json, seconds } = parseArgs(process.argv.slice(2));
  // Warm the JIT on both paths first, so the first figure is not the one paying for it.
  await rawTcp(0.3);
  await ours('warm-up', 4, 0.3, await tcpPair());
  const results: Result[] = [];
  results.push(await rawTcp(seconds));
  results.push(await ours('yamux over TCP', 1, seconds, await tcpPair()));
  results.push(await ours('yamux over TCP', 64, seconds, await tcpPair()));
  results.push(await rawWs(seconds));
  const ws = async (): Promise<[WebSocketDuplex, WebSocketDuplex]> => (await wsPair()).map((w) => new WebSocketDuplex(w)) as [WebSocketDuplex, WebSocketDuplex];
  results.push(await ours('yamux over WebSocket', 1, seconds, await ws()));
  results.push(await ours('yamux over WebSocket', 64, seconds, await ws()));
  results.push(await ours('yamux over secure layer over WebSocket', 1, seconds, secured(await ws())));
  results.push(await ours('yamux over secure layer over WebSocket', 64, seconds, secured(await ws())));
  results.push(await yamuxJs(1, seconds));
  results.push(await yamuxJs(64, seconds));

  const raw = results[0]!.mibps;
  const oneStreamTcp = results[1]!.mibps / raw;
  const oneStream = (name: string): number => results.find((r) => r.name === name && r.streams === 1)!.mibps;
  const secureCost = oneStream('yamux over secure layer over WebSocket') / oneStream('yamux over WebSocket');
  const target = { description: 'one yamux stream over loopback TCP >= 50% of raw TCP', ratio: oneStreamTcp, met: oneStreamTcp >= 0.5 };
  if (json) {
    console.log(JSON.stringify({ secondsPerTransfer: seconds, node: process.version, results, target, secureLayerRatio: secureCost }, null, 2));
  } else {
    console.log(table(results, raw));
    console.log(`\ntarget: ${target.description}: ${(100 * oneStreamTcp).toFixed(0)}% (${target.met ? 'met' : 'MISSED'})`);
    console.log(`secure layer (what an intercepted device runs): one stream at ${(100 * secureCost).toFixed(0)}% of plain yamux over WebSocket`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
