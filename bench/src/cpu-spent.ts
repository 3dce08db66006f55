import { readCpuSeconds, readMachineBusySeconds } from './proc/proc-stats.js';
import type { CpuSpent } from './report/types.js';

interface Reading {
  readonly at: bigint;
  readonly machine: number;
  readonly generator: number;
  readonly targets: number;
  readonly path: ReadonlyMap<number, number>;
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

function read(targetsPid: number, pathPids: readonly number[], helperPids: readonly number[]): Reading {
  const u = process.cpuUsage();
  return {
    at: process.hrtime.bigint(),
    machine: readMachineBusySeconds(),
    generator: (u.user + u.system) / 1e6,
    targets: cpuOf(targetsPid) ?? 0,
    path: cpuOfEach(pathPids),
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
): Promise<{ result: T; cpu: CpuSpent }> {
  const pids = pathPids();
  const before = read(targetsPid, pids, helperPids());
  const result = await work();
  const after = read(targetsPid, pids, helperPids());
  let path = 0;
  for (const [pid, s] of after.path) path += s - (before.path.get(pid) ?? s);
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
      // /proc's 10 ms ticks make small negatives possible; they mean "nothing else ran".
      others: Math.max(0, machine - generator - targets - path),
    },
  };
}
