/**
 * The multiplexer alone: our yamux and yamux-js over the same loopback WebSocket, with raw TCP
 * and a raw WebSocket as floors. The measurement lives beside the code it measures
 * (packages/protocol/benchmark, `npm run bench:mux`); `npm run bench` runs it as one more
 * baseline of the same run, in its own process so it never shares an event loop with the paths,
 * and passes on what it prints (its table, or its JSON with --json).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from './repo.js';

const MUX_BENCH = 'packages/protocol/dist/benchmark/mux-bench.js';
const TIMEOUT_MS = 5 * 60_000;

export function runMultiplexerBench(options: { quick: boolean; json: boolean }): Promise<string> {
  const args = [path.join(repoRoot(), MUX_BENCH), ...(options.json ? ['--json'] : []), ...(options.quick ? ['--quick'] : [])];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, args, { encoding: 'utf8', timeout: TIMEOUT_MS, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${MUX_BENCH} failed (is the repository built? npm run build): ${stderr.trim() || err.message}`));
      else resolve(stdout.trimEnd());
    });
  });
}
