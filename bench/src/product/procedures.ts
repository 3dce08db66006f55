/**
 * The measurement procedures of scenarios 5-7, written against "something that opens device
 * sessions" so that the tunnel path only has to supply that (the device simulator process), and
 * the self-test can supply a stand-in. Each returns plain figures; scenarios.ts makes rows of them.
 */
import { summarize, type LatencySummary } from '../load/stats.js';
import { openMany, type OpenFailure, type OpenManyResult } from '../net/loopback-sources.js';
import { readMemory } from '../proc/proc-stats.js';
import { sampleProcesses, type SampleSummary } from '../proc/sampler.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What opening a batch of device sessions gave. */
export interface PopulationOpened {
  readonly opened: number;
  readonly failed: number;
  /** The first few failures, for the report: a storm that fails should say why. */
  readonly failureSamples: readonly OpenFailure[];
  /** From the first open started until the last one settled. */
  readonly seconds: number;
  readonly openMicros: LatencySummary | null;
  /** Attempts beyond each device's first. */
  readonly retries: number;
}

/** Devices 0..count-1, each opened from its own loopback source address; closeAll() ends them. */
export interface DevicePopulation {
  open(count: number, concurrency: number, deadlineMs: number): Promise<PopulationOpened>;
  closeAll(): Promise<void>;
}

/** Opens one device session from `source` (pass it as localAddress); close() ends it. */
export type OpenSession = (index: number, source: string) => Promise<{ close(): Promise<void> }>;

/** What a population's open() reports of openMany's result. */
export function populationOpened(r: OpenManyResult<unknown>): PopulationOpened {
  return {
    opened: r.opened.length,
    failed: r.failures.length,
    failureSamples: r.failures.slice(0, FAILURE_SAMPLES),
    seconds: r.seconds,
    openMicros: r.openMicros.length > 0 ? summarize(r.openMicros) : null,
    retries: r.retries,
  };
}

/** Failures a report names, beyond their count. */
const FAILURE_SAMPLES = 5;

/** A population whose sessions live in this process (the self-test's stand-in devices). */
export function inProcessPopulation(open: OpenSession): DevicePopulation {
  let held: { close(): Promise<void> }[] = [];
  return {
    async open(count, concurrency, deadlineMs) {
      const r = await openMany({ count, concurrency, perSource: 1, deadlineMs }, open);
      held.push(...r.opened);
      return populationOpened(r);
    },
    async closeAll() {
      const closing = held;
      held = [];
      await Promise.all(closing.map((s) => s.close()));
    },
  };
}

export interface IdleHoldOptions {
  readonly serverPid: number;
  readonly devices: number;
  readonly population: DevicePopulation;
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
  readonly opened: PopulationOpened;
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
  const opened = await o.population.open(o.devices, o.concurrency, o.deadlineMs);
  try {
    await sleep(o.settleMs);
    const idle = await sampleProcesses([o.serverPid], { intervalMs: Math.max(100, o.sampleMs / 20), durationMs: o.sampleMs });
    const held = opened.opened;
    return {
      devices: held,
      opened,
      rssBeforeKiB,
      idle,
      rssPerDeviceKiB: held > 0 ? (idle.rssKiB.mean - rssBeforeKiB) / held : NaN,
      cpuCoresIdle: idle.cpuCores,
    };
  } finally {
    await o.population.closeAll();
  }
}

export interface StormResult {
  readonly devices: number;
  readonly connected: number;
  readonly failed: number;
  readonly failureSamples: readonly OpenFailure[];
  /** From the first open until the last settled. */
  readonly seconds: number;
  readonly openMicros: LatencySummary | null;
}

/** Scenario 6: N devices connecting at once; how long until all are in, and who failed. */
export async function measureConnectStorm(devices: number, population: DevicePopulation, deadlineMs: number): Promise<StormResult> {
  const r = await population.open(devices, devices, deadlineMs);
  try {
    return { devices, connected: r.opened, failed: r.failed, failureSamples: r.failureSamples, seconds: r.seconds, openMicros: r.openMicros };
  } finally {
    await population.closeAll();
  }
}

/** Scenario 7: the agent alone, connected and idle: RSS and CPU over a window (a minute by default). */
export function measureAgentIdle(agentPid: number, durationMs = 60_000): Promise<SampleSummary> {
  return sampleProcesses([agentPid], { intervalMs: 1000, durationMs });
}

export interface ClusterStormOptions {
  readonly nodes: readonly { readonly id: string; readonly pid: number }[];
  readonly devices: number;
  readonly population: DevicePopulation;
  /** Devices presence shows connected, by node id. */
  readonly connectedByNode: () => Promise<Map<string, number>>;
  readonly deadlineMs: number;
  readonly settleMs: number;
  readonly sampleMs: number;
}

export interface NodeMemory {
  readonly node: string;
  readonly devices: number;
  readonly rssBeforeKiB: number;
  readonly rssIdleKiB: number;
  /** (mean idle RSS - RSS before) / devices on the node, in KiB. */
  readonly kibPerDevice: number;
}

export interface ClusterStormResult {
  readonly opened: PopulationOpened;
  /** From the first open until presence showed every opened session connected; null if it never did. */
  readonly onlineSeconds: number | null;
  readonly nodes: readonly NodeMemory[];
}

/** How often presence is counted while waiting for the storm's devices to show connected. */
const PRESENCE_POLL_MS = 250;

/**
 * Scenario 8: N devices connecting at once across a cluster's nodes; the clock runs until presence
 * (what every node computes the status from) shows all of them connected. Then they are held idle
 * and each node's RSS growth is divided by the devices it holds.
 */
export async function measureClusterStorm(o: ClusterStormOptions): Promise<ClusterStormResult> {
  const rssBefore = o.nodes.map((n) => readMemory(n.pid).rssKiB);
  const started = performance.now();
  const opened = await o.population.open(o.devices, o.devices, o.deadlineMs);
  try {
    let onlineSeconds: number | null = null;
    let byNode = await o.connectedByNode();
    while (sum(byNode) < opened.opened && performance.now() - started < o.deadlineMs) {
      await sleep(PRESENCE_POLL_MS);
      byNode = await o.connectedByNode();
    }
    if (opened.opened > 0 && sum(byNode) >= opened.opened) onlineSeconds = (performance.now() - started) / 1000;
    await sleep(o.settleMs);
    const idle = await Promise.all(o.nodes.map((n) => sampleProcesses([n.pid], { intervalMs: Math.max(100, o.sampleMs / 20), durationMs: o.sampleMs })));
    const nodes = o.nodes.map((n, i) => {
      const devices = byNode.get(n.id) ?? 0;
      const rssBeforeKiB = rssBefore[i] ?? NaN;
      const rssIdleKiB = idle[i]?.rssKiB.mean ?? NaN;
      return { node: n.id, devices, rssBeforeKiB, rssIdleKiB, kibPerDevice: devices > 0 ? (rssIdleKiB - rssBeforeKiB) / devices : NaN };
    });
    return { opened, onlineSeconds, nodes };
  } finally {
    await o.population.closeAll();
  }
}

function sum(counts: Map<string, number>): number {
  return [...counts.values()].reduce((a, b) => a + b, 0);
}
