import path from 'node:path';
import { measureCpu, withRelayCpu } from './cpu-spent.js';
import { isStopping } from './proc/children.js';
import type { BenchPath, PathContext, ProductHandle } from './paths/types.js';
import type { DevicePopulation } from './product/procedures.js';
import type { ProductContext } from './product/scenarios.js';
import { DeviceSimulator } from './product/simulator-client.js';
import type { PathOutcome, ScenarioRun } from './report/types.js';
import type { Scenario, ScenarioOutput } from './scenarios.js';
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

const PRODUCT_ONLY = 'measures the product itself (tunnel path only)';

/** Scenarios 5 and 6 share one simulator and one provisioning of sizes.devices devices. */
function productContext(
  product: ProductHandle,
  sizes: Sizes,
  log: PathContext['log'],
): { context: ProductContext; helperPids(): number[]; stop(): Promise<void> } {
  let simulator: Promise<DeviceSimulator> | undefined;
  let simulatorPid: number | undefined;
  const population = async (): Promise<DevicePopulation> => {
    simulator ??= (async () => {
      const sim = await DeviceSimulator.start({ dataDir: product.dataDir, deviceConfig: product.deviceConfig, logFile: path.join(product.workDir, 'simulator.log') });
      simulatorPid = sim.pid;
      log(`device simulator (pid ${sim.pid}): provisioning ${sizes.devices} devices in the registry`);
      const p = await sim.provision(sizes.devices);
      log(`device simulator: ${p.count} devices provisioned in ${p.seconds.toFixed(1)} s`);
      return sim;
    })();
    const sim = await simulator;
    return { open: (count, concurrency, deadlineMs) => sim.open(count, concurrency, deadlineMs), closeAll: () => sim.closeAll() };
  };
  return {
    context: { product, sizes, log, population },
    // The simulator is the load generator of scenarios 5 and 6: its CPU is the generator's.
    helperPids: () => (simulatorPid === undefined ? [] : [simulatorPid]),
    stop: async () => {
      if (simulator === undefined) return;
      await (await simulator.catch(() => undefined))?.stop();
    },
  };
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
  const product = running.product === undefined ? undefined : productContext(running.product, sizes, log);
  const runs: ScenarioRun[] = [];
  try {
    for (const scenario of scenarios) {
      if (isStopping()) break;
      let work: (() => Promise<ScenarioOutput>) | undefined;
      if (scenario.runProduct !== undefined) {
        const runProduct = scenario.runProduct;
        if (product !== undefined) work = () => runProduct(product.context);
      } else if (scenario.run !== undefined) {
        const run = scenario.run;
        work = () => run(running.endpoints, sizes);
      }
      if (work === undefined) {
        runs.push({ scenario: scenario.id, path: path.name, status: 'skipped', reason: PRODUCT_ONLY });
        continue;
      }
      log(`${path.name}: scenario ${scenario.id} (${scenario.name})`);
      try {
        const { result, cpu } = await measureCpu(targets.pid, () => running.processes(), work, () => product?.helperPids() ?? [], () => running.relayProcesses());
        runs.push({ scenario: scenario.id, path: path.name, status: 'ok', ...withRelayCpu(result, cpu, running.relayProcesses().length > 0), cpuSeconds: cpu });
      } catch (err) {
        log(`${path.name}: scenario ${scenario.id} failed: ${message(err)}`);
        runs.push({ scenario: scenario.id, path: path.name, status: 'error', reason: message(err) });
      }
    }
  } finally {
    log(`${path.name}: tearing down`);
    await product?.stop();
    await running.teardown();
  }
  return { outcome: { ...base, status: 'ran', notes: running.notes }, runs };
}
