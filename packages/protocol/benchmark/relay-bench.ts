// Round-trip latency of a relay chain shaped like the tunnel's data path: load generator -> R1 ->
// R2 -> R3 -> echo, each in its own process, as the CLI, the server and the agent are. The links
// between relays are built up one layer at a time (plain TCP, TLS, TLS + WebSocket, TLS +
// WebSocket + yamux), so the table says what each layer costs per round trip, with no control
// plane, registry or audit in the way. Pinned to one core (`taskset -c 0 npm run bench:relay`),
// the figures are processing cost alone, without the scheduler's choice of core for each hop.
//
//   npm run bench:relay [-- --json] [-- --quick] [-- --round-trips N]
import { fork, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import type { Duplex } from 'node:stream';
import WebSocket, { WebSocketServer } from 'ws';
import { createDevCa, createServerCertificate, joinStreams, WebSocketDuplex, YamuxSession, zeroMask } from '../src/index.js';
import { textTable } from './text-table.js';

const LINKS = {
  tcp: 'TCP (the floor for Node)',
  tls: 'TLS',
  websocket: 'TLS + WebSocket',
  yamux: 'TLS + WebSocket + yamux',
} as const;
type Link = keyof typeof LINKS;

const PAYLOAD_BYTES = 64;
const HOST = '127.0.0.1';
/** The relays' certificate and the CA that checks it, handed to each relay process. */
const PKI_ENV = 'RELAY_BENCH_PKI';

interface Pki {
  ca: string;
  cert: string;
  key: string;
}

interface Result {
  link: Link;
  description: string;
  p50: number;
  p99: number;
}

// ---- relay processes ------------------------------------------------------------------------------

function listening(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, HOST, () => resolve((server.address() as net.AddressInfo).port)));
}

/** Accepts byte streams of `link` kind, one per connection (or per yamux stream). */
function listenLink(link: Link, pki: Pki, onStream: (s: Duplex) => void): Promise<number> {
  const noDelay = (s: net.Socket): void => {
    s.setNoDelay(true);
    onStream(s);
  };
  if (link === 'tcp') return listening(net.createServer(noDelay));
  if (link === 'tls') return listening(tls.createServer({ key: pki.key, cert: pki.cert }, noDelay));
  const server = https.createServer({ key: pki.key, cert: pki.cert });
  new WebSocketServer({ server, perMessageDeflate: false }).on('connection', (ws) => {
    const pipe = new WebSocketDuplex(ws);
    if (link === 'websocket') onStream(pipe);
    else new YamuxSession(pipe, { role: 'server' }).on('stream', onStream);
  });
  return listening(server);
}

/** Opens one byte stream of `link` kind to a relay or to the echo service. */
async function dialLink(link: Link, pki: Pki, port: number): Promise<Duplex> {
  if (link === 'tcp' || link === 'tls') {
    const socket = link === 'tcp' ? net.connect(port, HOST) : tls.connect({ port, host: HOST, ca: pki.ca });
    await new Promise<void>((resolve, reject) => {
      socket.once(link === 'tcp' ? 'connect' : 'secureConnect', resolve);
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    return socket;
  }
  const ws = new WebSocket(`wss://${HOST}:${port}/`, { ca: pki.ca, perMessageDeflate: false, generateMask: zeroMask });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const pipe = new WebSocketDuplex(ws);
  return link === 'websocket' ? pipe : new YamuxSession(pipe, { role: 'client' }).open();
}

/** `--role relay|echo`: runs until killed, after telling the parent its port. */
async function runRole(args: string[]): Promise<void> {
  const arg = (name: string): string => args[args.indexOf(name) + 1] ?? '';
  const pki = JSON.parse(process.env[PKI_ENV] ?? '{}') as Pki;
  let port: number;
  if (arg('--role') === 'echo') {
    port = await listenLink('tcp', pki, (s) => s.pipe(s));
  } else {
    const link = arg('--link') as Link;
    const [inbound, outbound, to] = [arg('--in'), arg('--out'), Number(arg('--to'))];
    port = await listenLink(inbound === 'link' ? link : 'tcp', pki, (s) => {
      s.pause();
      dialLink(outbound === 'link' ? link : 'tcp', pki, to).then(
        (next) => void joinStreams(s, next),
        () => s.destroy(),
      );
    });
  }
  process.send?.(port);
}

function start(args: string[], pki: Pki): Promise<[ChildProcess, number]> {
  const child = fork(fileURLToPath(import.meta.url), args, { env: { ...process.env, [PKI_ENV]: JSON.stringify(pki) } });
  return new Promise((resolve, reject) => {
    child.once('message', (port) => resolve([child, Number(port)]));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
}

// ---- load generator -----------------------------------------------------------------------------

/** Round-trip times in µs of PAYLOAD_BYTES messages, one in flight, after `warmup` unrecorded ones. */
async function pingPong(port: number, roundTrips: number, warmup: number): Promise<number[]> {
  const socket = (await dialLink('tcp', { ca: '', cert: '', key: '' }, port)) as net.Socket;
  const payload = Buffer.alloc(PAYLOAD_BYTES, 0x61);
  const samples: number[] = [];
  await new Promise<void>((resolve, reject) => {
    let done = 0;
    let received = 0;
    let sentAt = process.hrtime.bigint();
    socket.once('close', () => reject(new Error(`the chain closed after ${done} round trips`)));
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received < PAYLOAD_BYTES) return;
      received = 0;
      if (done >= warmup) samples.push(Number(process.hrtime.bigint() - sentAt) / 1000);
      if (++done === warmup + roundTrips) return resolve();
      sentAt = process.hrtime.bigint();
      socket.write(payload);
    });
    socket.write(payload);
  });
  socket.removeAllListeners('close');
  socket.destroy();
  return samples.sort((a, b) => a - b);
}

async function measure(link: Link, pki: Pki, roundTrips: number): Promise<Result> {
  const children: ChildProcess[] = [];
  const launch = async (args: string[]): Promise<number> => {
    const [child, port] = await start(args, pki);
    children.push(child);
    return port;
  };
  try {
    const echo = await launch(['--role', 'echo']);
    const r3 = await launch(['--role', 'relay', '--link', link, '--in', 'link', '--out', 'tcp', '--to', String(echo)]);
    const r2 = await launch(['--role', 'relay', '--link', link, '--in', 'link', '--out', 'link', '--to', String(r3)]);
    const r1 = await launch(['--role', 'relay', '--link', link, '--in', 'tcp', '--out', 'link', '--to', String(r2)]);
    const samples = await pingPong(r1, roundTrips, Math.ceil(roundTrips / 10));
    const at = (q: number): number => samples[Math.min(samples.length - 1, Math.floor(q * samples.length))]!;
    return { link, description: LINKS[link], p50: at(0.5), p99: at(0.99) };
  } finally {
    for (const child of children) child.kill();
  }
}

function parseArgs(argv: string[]): { json: boolean; roundTrips: number } {
  const i = argv.indexOf('--round-trips');
  const roundTrips = i >= 0 ? Number(argv[i + 1]) : argv.includes('--quick') ? 2_000 : 20_000;
  if (!(Number.isInteger(roundTrips) && roundTrips >= 10)) throw new Error('--round-trips takes a whole number of at least 10');
  return { json: argv.includes('--json'), roundTrips };
}

function table(results: Result[]): string {
  const floor = results[0]!.p50;
  const rows = results.map((r) => [r.description, r.p50.toFixed(1), r.p99.toFixed(1), `+${(r.p50 - floor).toFixed(1)}`]);
  return textTable(['link between relays', 'p50 µs', 'p99 µs', 'p50 over TCP'], rows);
}

async function main(): Promise<void> {
  const { json, roundTrips } = parseArgs(process.argv.slice(2));
  const ca = await createDevCa();
  const server = await createServerCertificate(ca);
  const pki: Pki = { ca: ca.certificatePem, cert: server.certificatePem, key: server.privateKeyPem };
  const results: Result[] = [];
  for (const link of Object.keys(LINKS) as Link[]) results.push(await measure(link, pki, roundTrips));
  if (json) {
    console.log(JSON.stringify({ node: process.version, roundTrips, payloadBytes: PAYLOAD_BYTES, results }, null, 2));
  } else {
    console.log(`load generator -> R1 -> R2 -> R3 -> echo, one process each; ${roundTrips} round trips of ${PAYLOAD_BYTES} B\n`);
    console.log(table(results));
  }
}

const role = process.argv.includes('--role');
(role ? runRole(process.argv.slice(2)) : main()).then(
  () => {
    if (!role) process.exit(0);
  },
  (err: unknown) => {
    console.error(`relay-bench: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
