import { readCpuSeconds, readMachineBusySeconds } from './proc/proc-stats.js';
import type { CpuSpent } from './report/types.js';
import type { ScenarioOutput } from './scenarios.js';

interface Reading {
  readonly at: bigint;
  readonly machine: number;
  readonly generator: number;
  readonly targets: number;
  readonly path: ReadonlyMap<number, number>;
  readonly relay: ReadonlyMap<number, number>;
  readonly helpers: ReadonlyMap<number, number>;
}

function cpuOf(pid: number): number | undefined {
  try {
    return readCpuSeconds(pid);
  } catch {
    return undefined; // exited between listing and reading
  }
}

function cpuOfEach(pids: readonly number[]): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const pid of pids) {
    const s = cpuOf(pid);
    if (s !== undefined) seconds.set(pid, s);
  }
  return seconds;
}

function read(targetsPid: number, pathPids: readonly number[], relayPids: readonly number[], helperPids: readonly number[]): Reading {
  const u = process.cpuUsage();
  return {
    at: process.hrtime.bigint(),
    machine: readMachineBusySeconds(),
    generator: (u.user + u.system) / 1e6,
    targets: cpuOf(targetsPid) ?? 0,
    path: cpuOfEach(pathPids),
    relay: cpuOfEach(relayPids),
    helpers: cpuOfEach(helperPids),
  };
}

/**
 * CPU used by each party while `work` runs, so a path's throughput can be read next to what it
 * burns (on two cores the two are not independent), and so load from other users of the machine
 * shows up instead of silently skewing the figures. Processes are listed at the start; sshd does
 * not fork per forwarded channel, so the list holds for the scenario. `helperPids` are the load
 * generator's own child processes (the device simulator), listed again at the end: one that
 * started during the scenario spent all of its CPU in it.
 */
export async function measureCpu<T>(
  targetsPid: number,
  pathPids: () => number[],
  work: () => Promise<T>,
  helperPids: () => number[] = () => [],
  relayPids: () => number[] = () => [],
): Promise<{ result: T; cpu: CpuSpent }> {
  const pids = pathPids();
  const relays = relayPids();
  const before = read(targetsPid, pids, relays, helperPids());
  const result = await work();
  const after = read(targetsPid, pids, relays, helperPids());
  const spent = (a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): number => {
    let sum = 0;
    for (const [pid, s] of a) sum += s - (b.get(pid) ?? s);
    return sum;
  };
  const path = spent(after.path, before.path);
  let generator = after.generator - before.generator;
  for (const [pid, s] of after.helpers) generator += s - (before.helpers.get(pid) ?? 0);
  const targets = after.targets - before.targets;
  const machine = after.machine - before.machine;
  return {
    result,
    cpu: {
      wall: Number(after.at - before.at) / 1e9,
      generator,
      targets,
      path,
      relay: spent(after.relay, before.relay),
      // /proc's 10 ms ticks make small negatives possible; they mean "nothing else ran".
      others: Math.max(0, machine - generator - targets - path),
    },
  };
}

/**
 * Adds the server's CPU seconds per GiB carried (warm-up included, as in the CPU reading) to a
 * bulk scenario's figures: what relaying costs the machine in the middle, sshd or tunnel-server.
 */
export function withRelayCpu(output: ScenarioOutput, cpu: CpuSpent, hasRelay: boolean): ScenarioOutput {
  const carried = output.details['carriedBytes'];
  if (!hasRelay || carried === undefined || carried === 0) return output;
  return { ...output, metrics: { ...output.metrics, serverCpu: cpu.relay / (carried / 2 ** 30) } };
}
