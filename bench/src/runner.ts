import path from 'node:path';
import { measureCpu, withRelayCpu } from './cpu-spent.js';
import { isStopping } from './proc/children.js';
import type { BenchPath, PathContext, SimulatorTarget } from './paths/types.js';
import type { DevicePopulation } from './product/procedures.js';
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
const CLUSTER_ONLY = 'measures a cluster of nodes (tunnel-cluster path only)';

interface Simulated {
  population(): Promise<DevicePopulation>;
  /** The simulator is the load generator of the device scenarios: its CPU is the generator's. */
  helperPids(): number[];
  stop(): Promise<void>;
}

/** One simulator and one provisioning of `count` devices, shared by the scenarios of a path. */
function simulated(target: SimulatorTarget, count: number, log: PathContext['log']): Simulated {
  let simulator: Promise<DeviceSimulator> | undefined;
  let simulatorPid: number | undefined;
  return {
    async population() {
      simulator ??= (async () => {
        const sim = await DeviceSimulator.start({
          dataDir: target.dataDir,
          deviceConfig: target.deviceConfig,
          logFile: path.join(target.workDir, 'simulator.log'),
          ...(target.registryUrl === undefined ? {} : { registryUrl: target.registryUrl }),
          ...(target.deviceEndpoints === undefined ? {} : { endpoints: target.deviceEndpoints }),
        });
        simulatorPid = sim.pid;
        log(`device simulator (pid ${sim.pid}): provisioning ${count} devices in the registry`);
        const p = await sim.provision(count);
        log(`device simulator: ${p.count} devices provisioned in ${p.seconds.toFixed(1)} s`);
        return sim;
      })();
      const sim = await simulator;
      return { open: (n, concurrency, deadlineMs) => sim.open(n, concurrency, deadlineMs), closeAll: () => sim.closeAll() };
    },
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
  const devices = running.product ?? running.cluster;
  const simulator = devices === undefined ? undefined : simulated(devices, running.cluster === undefined ? sizes.devices : sizes.clusterDevices, log);
  const runs: ScenarioRun[] = [];
  try {
    for (const scenario of scenarios) {
      if (isStopping()) break;
      let work: (() => Promise<ScenarioOutput>) | undefined;
      const { runProduct, runCluster, run } = scenario;
      const { product, cluster } = running;
      if (runProduct !== undefined && product !== undefined && simulator !== undefined) {
        work = () => runProduct({ product, sizes, log, population: simulator.population });
      } else if (runCluster !== undefined && cluster !== undefined && simulator !== undefined) {
        work = () => runCluster({ cluster, sizes, log, population: simulator.population });
      } else if (run !== undefined) {
        work = () => run(running.endpoints, sizes);
      }
      if (work === undefined) {
        runs.push({ scenario: scenario.id, path: path.name, status: 'skipped', reason: runCluster === undefined ? PRODUCT_ONLY : CLUSTER_ONLY });
        continue;
      }
      log(`${path.name}: scenario ${scenario.id} (${scenario.name})`);
      try {
        const { result, cpu } = await measureCpu(targets.pid, () => running.processes(), work, () => simulator?.helperPids() ?? [], () => running.relayProcesses());
        runs.push({ scenario: scenario.id, path: path.name, status: 'ok', ...withRelayCpu(result, cpu, running.relayProcesses().length > 0), cpuSeconds: cpu });
      } catch (err) {
        log(`${path.name}: scenario ${scenario.id} failed: ${message(err)}`);
        runs.push({ scenario: scenario.id, path: path.name, status: 'error', reason: message(err) });
      }
    }
  } finally {
    log(`${path.name}: tearing down`);
    await simulator?.stop();
    await running.teardown();
  }
  return { outcome: { ...base, status: 'ran', notes: running.notes }, runs };
}
