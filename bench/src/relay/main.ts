/**
 * `npm run bench:relay`: round-trip latency of a relay chain shaped like the tunnel's data path:
 * load generator -> R1 -> R2 -> R3 -> echo, each in its own process, as the CLI, the server and the
 * agent are. The links between relays are built up one layer at a time (plain TCP, TLS, TLS +
 * WebSocket, TLS + WebSocket + yamux; the yamux chain once more with the middle relay joining its
 * two yamux streams through pipe(), as the server did before it relayed frame to frame), so the
 * table says what each layer costs per round trip, with no control plane, registry or audit in the way. Pinned to one core (`taskset -c 0 npm run
 * bench:relay`) the figures are processing cost alone, without the scheduler's choice of core per hop.
 *
 *   npm run bench:relay [-- --json] [-- --quick] [-- --round-trips N]
 */
import { fork, type ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { createDevCa, createServerCertificate } from '@tunnel/protocol/dev-pki';
import { joinStreams } from '@tunnel/protocol/tunnel';
import { pingPong } from '../load/ping-pong.js';
import { summarize } from '../load/stats.js';
import { renderTable } from '../report/text-table.js';
import { dialLink, LINKS, listenLink, type Link, type Pki } from './links.js';

const PAYLOAD_BYTES = 64;
const TIMEOUT_MS = 300_000;
/** How the parent hands the relays their certificate. */
const PKI_ENV = 'RELAY_BENCH_PKI';

interface Result {
  link: Link;
  description: string;
  p50: number;
  p99: number;
}

/** `--role echo|relay`: serves until killed, after telling the parent its port. */
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
        (next) => (link === 'yamux-piped' ? pipeBoth(s, next) : void joinStreams(s, next)),
        () => s.destroy(),
      );
    });
  }
  process.send?.(port);
}

/** How joinStreams joined two yamux streams before it relayed them frame to frame: kept for comparison. */
function pipeBoth(a: Duplex, b: Duplex): void {
  a.pipe(b);
  b.pipe(a);
}

function start(args: string[], pki: Pki): Promise<[ChildProcess, number]> {
  const child = fork(fileURLToPath(import.meta.url), args, { env: { ...process.env, [PKI_ENV]: JSON.stringify(pki) } });
  return new Promise((resolve, reject) => {
    child.once('message', (port) => resolve([child, Number(port)]));
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
  });
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
    const samples = await pingPong(
      { host: '127.0.0.1', port: r1 },
      { roundTrips, payloadBytes: PAYLOAD_BYTES, warmup: Math.ceil(roundTrips / 10), timeoutMs: TIMEOUT_MS },
    );
    const { p50, p99 } = summarize(samples);
    return { link, description: LINKS[link], p50, p99 };
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
  return renderTable(['link between relays', 'p50 µs', 'p99 µs', 'p50 over TCP'], rows, 1);
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
