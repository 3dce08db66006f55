/**
 * The multiplexer alone: our yamux and yamux-js over the same loopback WebSocket, with raw TCP
 * and a raw WebSocket as floors. The measurement lives beside the code it measures
 * (packages/protocol/benchmark, `npm run bench:mux`); `npm run bench` runs it as one more
 * baseline of the same run, in its own process so it never shares an event loop with the paths.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { renderTable } from './report/text-table.js';
import { repoRoot } from './repo.js';

const MUX_BENCH = 'packages/protocol/dist/benchmark/mux-bench.js';
const TIMEOUT_MS = 5 * 60_000;

export interface MultiplexerResult {
  readonly name: string;
  readonly streams: number;
  readonly mibps: number;
}

export interface MultiplexerReport {
  readonly secondsPerTransfer: number;
  readonly results: readonly MultiplexerResult[];
}

function isReport(value: unknown): value is MultiplexerReport {
  if (typeof value !== 'object' || value === null) return false;
  const { results, secondsPerTransfer } = value as Record<string, unknown>;
  return (
    typeof secondsPerTransfer === 'number' &&
    Array.isArray(results) &&
    results.every((r: unknown) => {
      const o = r as Record<string, unknown>;
      return typeof o['name'] === 'string' && typeof o['streams'] === 'number' && typeof o['mibps'] === 'number';
    })
  );
}

export function measureMultiplexers(quick: boolean): Promise<MultiplexerReport> {
  const args = [path.join(repoRoot(), MUX_BENCH), '--json', ...(quick ? ['--quick'] : [])];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        reject(new Error(`${MUX_BENCH} failed (is the repository built? npm run build): ${stderr.trim() || err.message}`));
        return;
      }
      const parsed: unknown = JSON.parse(stdout);
      if (!isReport(parsed)) {
        reject(new Error(`${MUX_BENCH} printed JSON of an unexpected shape`));
        return;
      }
      resolve(parsed);
    });
  });
}

/** Ratios against raw TCP (the first result), as `npm run bench:mux` prints them. */
export function renderMultiplexers(report: MultiplexerReport): string {
  const floor = report.results[0]?.mibps ?? Number.NaN;
  const rows = report.results.map((r) => [r.name, String(r.streams), r.mibps.toFixed(1), `${(r.mibps / floor).toFixed(2)}x`]);
  return [
    `multiplexer alone (one process, loopback, ${report.secondsPerTransfer} s per transfer; npm run bench:mux):`,
    renderTable(['transfer', 'streams', 'MiB/s', 'vs raw TCP'], rows, 1),
  ].join('\n');
}
