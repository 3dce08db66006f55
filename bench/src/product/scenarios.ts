/**
 * Scenarios 5-7: the product's own costs (server memory and CPU per idle device, a reconnect
 * storm, the agent at rest). They have no OpenSSH counterpart, so issue 7 states absolute targets.
 */
import type { ProductHandle } from '../paths/types.js';
import { readCpuSeconds as readCpu, readMemory } from '../proc/proc-stats.js';
import type { Scenario, ScenarioOutput } from '../scenarios.js';
import type { Sizes } from '../sizes.js';
import { measureAgentIdle, measureConnectStorm, measureIdleHold, type DevicePopulation } from './procedures.js';
import type { OpenFailure } from '../net/loopback-sources.js';

export interface ProductContext {
  readonly product: ProductHandle;
  readonly sizes: Sizes;
  readonly log: (line: string) => void;
  /** The device simulator, started and provisioned with sizes.devices devices on first use. */
  population(): Promise<DevicePopulation>;
}

/** Bound on building up or storming the population: a stuck server fails the scenario, not the run. */
export const POPULATION_DEADLINE_MS = 300_000;
/** Lets the fresh agent finish start-up (JIT, first GCs) so the window shows it at rest. */
const AGENT_SETTLE_MS = 5_000;
/** RSS is read in KiB; issue 7 states its targets in kB and MB. */
export const KB_PER_KIB = 1.024;
const MB_PER_KIB = 1024 / 1e6;

export function failureNotes(what: string, failed: number, samples: readonly OpenFailure[]): string[] {
  if (failed === 0) return [];
  return [`${what}: ${failed} failed, e.g. ${samples.map((f) => `#${f.index} from ${f.source}: ${f.error}`).join('; ')}`];
}

async function idleDevices(c: ProductContext): Promise<ScenarioOutput> {
  const population = await c.population();
  const s = c.sizes;
  c.log(`scenario 5: opening ${s.devices} device sessions, ${s.idleOpenConcurrency} at a time, then ${s.idleSampleMs / 1000} s idle`);
  const r = await measureIdleHold({
    serverPid: c.product.serverPid,
    devices: s.devices,
    population,
    concurrency: s.idleOpenConcurrency,
    settleMs: s.idleSettleMs,
    sampleMs: s.idleSampleMs,
    deadlineMs: POPULATION_DEADLINE_MS,
  });
  return {
    metrics: { kbPerDevice: r.rssPerDeviceKiB * KB_PER_KIB, idleCpuPct: r.cpuCoresIdle * 100 },
    details: {
      devicesHeld: r.devices,
      failed: r.opened.failed,
      openSeconds: r.opened.seconds,
      rssBeforeKiB: r.rssBeforeKiB,
      rssIdleMeanKiB: r.idle.rssKiB.mean,
      rssIdleMaxKiB: r.idle.rssKiB.max,
      sampleSeconds: r.idle.seconds,
      serverCpuSecondsIdle: r.idle.cpuSeconds,
    },
    notes: [
      `scenario 5: ${r.devices} sessions held (opened in ${r.opened.seconds.toFixed(1)} s); server RSS ${(r.rssBeforeKiB / 1024).toFixed(0)} MiB before, ` +
        `${(r.idle.rssKiB.mean / 1024).toFixed(0)} MiB idle (mean over ${r.idle.seconds.toFixed(0)} s)`,
      ...failureNotes('scenario 5', r.opened.failed, r.opened.failureSamples),
    ],
  };
}

async function connectStorm(c: ProductContext): Promise<ScenarioOutput> {
  const population = await c.population();
  const devices = c.sizes.devices;
  c.log(`scenario 6: ${devices} devices connecting at once`);
  const cpuBefore = readCpu(c.product.serverPid);
  const r = await measureConnectStorm(devices, population, POPULATION_DEADLINE_MS);
  const serverCpu = readCpu(c.product.serverPid) - cpuBefore;
  return {
    metrics: { seconds: r.seconds, failures: r.failed },
    details: {
      devices,
      connected: r.connected,
      serverCpuSeconds: serverCpu,
      ...(r.openMicros ? { openP50Micros: r.openMicros.p50, openP99Micros: r.openMicros.p99, openMaxMicros: r.openMicros.max } : {}),
    },
    notes: [
      `scenario 6: ${r.connected} of ${devices} connected in ${r.seconds.toFixed(1)} s; server CPU ${serverCpu.toFixed(1)} s` +
        (r.openMicros ? `; one device's connect p50 ${(r.openMicros.p50 / 1e6).toFixed(2)} s, p99 ${(r.openMicros.p99 / 1e6).toFixed(2)} s` : ''),
      ...failureNotes('scenario 6', r.failed, r.failureSamples),
    ],
  };
}

async function agentIdle(c: ProductContext): Promise<ScenarioOutput> {
  const agent = await c.product.startIdleAgent();
  try {
    await new Promise((r) => setTimeout(r, AGENT_SETTLE_MS));
    c.log(`scenario 7: watching a freshly connected agent (pid ${agent.pid}) for ${c.sizes.agentSampleMs / 1000} s`);
    const idle = await measureAgentIdle(agent.pid, c.sizes.agentSampleMs);
    const loaded = readMemory(c.product.agentPid).rssKiB;
    return {
      metrics: { rssMB: idle.rssKiB.mean * MB_PER_KIB, cpuPct: idle.cpuCores * 100, cpuMsPerMinute: (idle.cpuSeconds / idle.seconds) * 60_000 },
      details: { rssMaxKiB: idle.rssKiB.max, sampleSeconds: idle.seconds, cpuSeconds: idle.cpuSeconds, pathAgentRssKiB: loaded },
      notes: [
        `scenario 7: a second agent, started for this and left idle (keepalive 15 s, heartbeat 60 s); ` +
          `the path's agent, after carrying scenarios 1-4, was at ${(loaded * MB_PER_KIB).toFixed(0)} MB RSS`,
      ],
    };
  } finally {
    await agent.stop();
  }
}

export const PRODUCT_SCENARIOS: readonly Scenario[] = [
  {
    id: 5,
    name: 'idle devices',
    metrics: [
      { key: 'kbPerDevice', label: 'server RSS kB/device', unit: 'kB', better: 'lower', goal: { op: '<=', value: 50 } },
      { key: 'idleCpuPct', label: 'server CPU % idle', unit: '%', better: 'lower' },
    ],
    runProduct: idleDevices,
  },
  {
    id: 6,
    name: 'connect storm',
    metrics: [
      { key: 'seconds', label: 's until all in', unit: 's', better: 'lower', goal: { op: '<=', value: 20 } },
      { key: 'failures', label: 'failures', unit: 'count', better: 'lower', goal: { op: '<=', value: 0 } },
    ],
    runProduct: connectStorm,
  },
  {
    id: 7,
    name: 'agent idle',
    metrics: [
      { key: 'rssMB', label: 'agent RSS MB', unit: 'MB', better: 'lower', goal: { op: '<=', value: 60 } },
      { key: 'cpuPct', label: 'agent CPU % of a core', unit: '%', better: 'lower', goal: { op: '<', value: 1 } },
      { key: 'cpuMsPerMinute', label: 'agent CPU ms/minute', unit: 'ms/min', better: 'lower' },
    ],
    runProduct: agentIdle,
  },
];
