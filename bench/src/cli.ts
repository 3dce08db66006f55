#!/usr/bin/env node
/**
 * `npm run bench`: issue 7's scenarios through every path, on loopback, in one run, so the ratios
 * compare figures taken on the same machine under the same conditions.
 */
import os from 'node:os';
import { describeMachine, formatMachine } from './machine.js';
import { parseOptions, USAGE, type RunOptions } from './options.js';
import { PATHS } from './paths/index.js';
import { installExitHandlers, isStopping, stopAll } from './proc/children.js';
import { renderReport } from './report/table.js';
import type { BenchReport, PathOutcome, ScenarioRun } from './report/types.js';
import { runPath } from './runner.js';
import { SCENARIOS } from './scenarios.js';
import { sizesFor } from './sizes.js';
import { startTargets } from './targets/launch.js';
import { formatEndpoint } from './net/endpoint.js';
import { computeGoals } from './report/goals.js';
import { computeRatios } from './report/ratios.js';
import { loadWarnings } from './report/warnings.js';
import { runMultiplexerBench } from './multiplexer.js';

const log = (line: string): void => {
  process.stderr.write(`bench: ${line}\n`);
};

async function bench(options: RunOptions): Promise<void> {
  const machine = describeMachine();
  const sizes = sizesFor(options.quick, options.devices, options.clusterDevices);
  const scenarios = SCENARIOS.filter((s) => options.scenarios.includes(s.id));
  const paths = PATHS.filter((p) => options.paths.includes(p.name));
  if (!options.json) process.stdout.write(`${formatMachine(machine)}\n`);

  const loadBefore = os.loadavg();
  const targets = await startTargets();
  const targetsText = `echo ${formatEndpoint(targets.endpoints.echo)}, sink ${formatEndpoint(targets.endpoints.sink)} in their own node process (pid ${targets.pid})`;
  log(`targets: ${targetsText}`);
  const outcomes: PathOutcome[] = [];
  const runs: ScenarioRun[] = [];
  try {
    for (const path of paths) {
      if (isStopping()) return;
      const result = await runPath(path, scenarios, sizes, targets, log);
      outcomes.push(result.outcome);
      runs.push(...result.runs);
    }
  } finally {
    await targets.stop();
  }
  let multiplexer: string | undefined;
  if (options.multiplexer && !isStopping()) {
    log('multiplexer alone: our yamux and yamux-js over a loopback WebSocket, raw TCP and WebSocket floors');
    multiplexer = await runMultiplexerBench(options);
  }

  if (isStopping()) return;
  const report: BenchReport = {
    date: new Date().toISOString(),
    machine,
    quick: options.quick,
    sizes,
    scenarios: scenarios.map(({ id, name, metrics }) => ({ id, name, metrics })),
    targets: targetsText,
    paths: outcomes,
    runs,
    ratios: computeRatios(runs, scenarios, outcomes.map((o) => o.name)),
    goals: computeGoals(runs, scenarios),
    devices: options.devices,
    load: { before: loadBefore, after: os.loadavg() },
    warnings: loadWarnings(machine.cores, loadBefore, runs),
  };
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ...report, ...(multiplexer === undefined ? {} : { multiplexer: JSON.parse(multiplexer) as unknown }) }, null, 2)}\n`);
    return;
  }
  // The machine line was printed before the run so it is there even if the run dies; skip it here.
  process.stdout.write(`${renderReport(report, scenarios).split('\n').slice(1).join('\n')}\n`);
  if (multiplexer !== undefined) process.stdout.write(`\nmultiplexer alone (npm run bench:mux, one process, loopback):\n${multiplexer}\n`);
}

async function main(): Promise<number> {
  installExitHandlers();
  let options: RunOptions | 'help';
  try {
    options = parseOptions(process.argv.slice(2), SCENARIOS.map((s) => s.id), PATHS.map((p) => p.name));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  try {
    await bench(options);
    return 0;
  } catch (err) {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  } finally {
    await stopAll();
  }
}

process.exitCode = await main();
