/**
 * The measurement procedures of scenarios 5-7, written against "something that opens a device
 * session" so that the tunnel path only has to supply that. Each returns plain figures; turning
 * them into table rows is the runner's job once the tunnel path exists.
 */
import { openMany, type OpenFailure } from '../net/loopback-sources.js';
import { readMemory } from '../proc/proc-stats.js';
import { sampleProcesses, type SampleSummary } from '../proc/sampler.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Opens one simulated device session from `source` (pass it as localAddress); close() ends it. */
export type OpenSession = (index: number, source: string) => Promise<{ close(): Promise<void> }>;

export interface IdleHoldOptions {
  readonly serverPid: number;
  readonly devices: number;
  readonly open: OpenSession;
  /** Opens in flight at once while building up the idle population. */
  readonly concurrency: number;
  /** Time for the server to finish per-session setup (and GC) before sampling. */
  readonly settleMs: number;
  /** Sampling window while idle; keepalives must happen inside it, so make it several intervals. */
  readonly sampleMs: number;
  readonly deadlineMs: number;
}

export interface IdleHoldResult {
  readonly devices: number;
  readonly failures: readonly OpenFailure[];
  readonly rssBeforeKiB: number;
  readonly idle: SampleSummary;
  /** (mean idle RSS - RSS before) / sessions held, in KiB: issue 7's "server RSS per device". */
  readonly rssPerDeviceKiB: number;
  /** Server CPU seconds per wall second while idle (1.0 = one core). */
  readonly cpuCoresIdle: number;
}

/** Scenario 5: hold N idle device sessions and see what each costs the server. */
export async function measureIdleHold(o: IdleHoldOptions): Promise<IdleHoldResult> {
  const rssBeforeKiB = readMemory(o.serverPid).rssKiB;
  const opened = await openMany(
    { count: o.devices, concurrency: o.concurrency, perSource: 1, deadlineMs: o.deadlineMs },
    o.open,
  );
  try {
    await sleep(o.settleMs);
    const idle = await sampleProcesses([o.serverPid], { intervalMs: Math.max(100, o.sampleMs / 20), durationMs: o.sampleMs });
    const held = opened.opened.length;
    return {
      devices: held,
      failures: opened.failures,
      rssBeforeKiB,
      idle,
      rssPerDeviceKiB: held > 0 ? (idle.rssKiB.mean - rssBeforeKiB) / held : NaN,
      cpuCoresIdle: idle.cpuCores,
    };
  } finally {
    await Promise.all(opened.opened.map((s) => s.close()));
  }
}

export interface StormResult {
  readonly devices: number;
  readonly connected: number;
  readonly failures: readonly OpenFailure[];
  /** From the first open until the last settled. */
  readonly seconds: number;
  readonly openMicros: readonly number[];
}

/** Scenario 6: N devices connecting at once; how long until all are in, and who failed. */
export async function measureConnectStorm(devices: number, open: OpenSession, deadlineMs: number): Promise<StormResult> {
  const r = await openMany({ count: devices, concurrency: devices, perSource: 1, deadlineMs }, open);
  try {
    return { devices, connected: r.opened.length, failures: r.failures, seconds: r.seconds, openMicros: r.openMicros };
  } finally {
    await Promise.all(r.opened.map((s) => s.close()));
  }
}

/** Scenario 7: the agent alone, connected and idle: RSS and CPU over a window (a minute by default). */
export function measureAgentIdle(agentPid: number, durationMs = 60_000): Promise<SampleSummary> {
  return sampleProcesses([agentPid], { intervalMs: 1000, durationMs });
}
