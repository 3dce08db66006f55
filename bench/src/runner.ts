import { measureCpu } from './cpu-spent.js';
import { isStopping } from './proc/children.js';
import type { BenchPath, PathContext } from './paths/types.js';
import type { PathOutcome, ScenarioRun } from './report/types.js';
import type { Scenario } from './scenarios.js';
import type { Sizes } from './sizes.js';
import type { RunningTargets } from './targets/launch.js';

export interface PathResults {
  readonly outcome: PathOutcome;
  readonly runs: readonly ScenarioRun[];
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function skippedAll(path: string, scenarios: readonly Scenario[], reason: string): ScenarioRun[] {
  return scenarios.map((s) => ({ scenario: s.id, path, status: 'skipped', reason }));
}

/**
 * Sets one path up, runs the chosen scenarios through it one after another, and always tears it
 * down. A failing scenario is recorded and the next one still runs: one broken figure should not
 * cost the whole table.
 */
export async function runPath(
  path: BenchPath,
  scenarios: readonly Scenario[],
  sizes: Sizes,
  targets: RunningTargets,
  log: PathContext['log'],
): Promise<PathResults> {
  const base = { name: path.name, description: path.description };
  let setup;
  try {
    log(`${path.name}: setting up (${path.description})`);
    setup = await path.setup({ targets: targets.endpoints, log });
  } catch (err) {
    const reason = `setup failed: ${message(err)}`;
    log(`${path.name}: ${reason}`);
    return { outcome: { ...base, status: 'failed', reason, notes: [] }, runs: skippedAll(path.name, scenarios, reason) };
  }
  if (setup.kind === 'skipped') {
    log(`${path.name}: skipped: ${setup.reason}`);
    return {
      outcome: { ...base, status: 'skipped', reason: setup.reason, notes: [] },
      runs: skippedAll(path.name, scenarios, setup.reason),
    };
  }
  const running = setup.path;
  for (const note of running.notes) log(`${path.name}: ${note}`);
  const runs: ScenarioRun[] = [];
  try {
    for (const scenario of scenarios) {
      if (isStopping()) break;
      const run = scenario.run;
      if (run === undefined) {
        runs.push({ scenario: scenario.id, path: path.name, status: 'skipped', reason: scenario.needs ?? 'not runnable' });
        continue;
      }
      log(`${path.name}: scenario ${scenario.id} (${scenario.name})`);
      try {
        const { result, cpu } = await measureCpu(targets.pid, () => running.processes(), () => run(running.endpoints, sizes));
        runs.push({ scenario: scenario.id, path: path.name, status: 'ok', ...result, cpuSeconds: cpu });
      } catch (err) {
        log(`${path.name}: scenario ${scenario.id} failed: ${message(err)}`);
        runs.push({ scenario: scenario.id, path: path.name, status: 'error', reason: message(err) });
      }
    }
  } finally {
    log(`${path.name}: tearing down`);
    await running.teardown();
  }
  return { outcome: { ...base, status: 'ran', notes: running.notes }, runs };
}
