/**
 * Scenario 8: issue 14's connect storm, N simulated devices (10,000 by default) across the three
 * nodes of the tunnel-cluster path at once, each authenticating with its own key against the
 * shared PostgreSQL registry; then what each node's memory grew by per device it holds.
 */
import type { ClusterHandle } from '../paths/types.js';
import type { Scenario, ScenarioOutput } from '../scenarios.js';
import type { Sizes } from '../sizes.js';
import { measureClusterStorm, type DevicePopulation } from './procedures.js';
import { failureNotes, KB_PER_KIB, POPULATION_DEADLINE_MS } from './scenarios.js';

export interface ClusterContext {
  readonly cluster: ClusterHandle;
  readonly sizes: Sizes;
  readonly log: (line: string) => void;
  /** The device simulator, started and provisioned with sizes.clusterDevices devices on first use. */
  population(): Promise<DevicePopulation>;
}

async function clusterStorm(c: ClusterContext): Promise<ScenarioOutput> {
  const population = await c.population();
  const devices = c.sizes.clusterDevices;
  c.log(`scenario 8: ${devices} devices connecting at once to ${c.cluster.nodes.length} nodes, then ${c.sizes.idleSampleMs / 1000} s idle`);
  const r = await measureClusterStorm({
    nodes: c.cluster.nodes,
    devices,
    population,
    connectedByNode: () => c.cluster.connectedByNode(),
    deadlineMs: POPULATION_DEADLINE_MS,
    settleMs: c.sizes.idleSettleMs,
    sampleMs: c.sizes.idleSampleMs,
  });
  const perNode = r.nodes.map((n) => ({ ...n, kbPerDevice: n.kibPerDevice * KB_PER_KIB }));
  const worst = Math.max(...perNode.map((n) => n.kbPerDevice));
  return {
    metrics: { onlineSeconds: r.onlineSeconds ?? NaN, failures: r.opened.failed, kbPerDevice: worst },
    details: {
      devices,
      connected: r.opened.opened,
      handshakesSeconds: r.opened.seconds,
      ...(r.opened.openMicros ? { openP50Micros: r.opened.openMicros.p50, openP99Micros: r.opened.openMicros.p99 } : {}),
      ...Object.fromEntries(perNode.flatMap((n) => [[`${n.node}Devices`, n.devices], [`${n.node}KbPerDevice`, n.kbPerDevice], [`${n.node}RssIdleKiB`, n.rssIdleKiB]])),
    },
    notes: [
      `scenario 8: ${r.opened.opened} of ${devices} connected, all shown connected in presence after ` +
        `${r.onlineSeconds === null ? 'never (deadline)' : `${r.onlineSeconds.toFixed(1)} s`} (handshakes done after ${r.opened.seconds.toFixed(1)} s, ${r.opened.retries} retries as agents retry); ` +
        `per node: ${perNode.map((n) => `${n.node} ${n.devices} devices, ${n.kbPerDevice.toFixed(1)} kB/device (RSS ${(n.rssBeforeKiB / 1024).toFixed(0)} -> ${(n.rssIdleKiB / 1024).toFixed(0)} MiB)`).join('; ')}`,
      'scenario 8: simulated devices send no heartbeats, so "online" here is the tunnel connected in presence (the status shows VPN only)',
      ...failureNotes('scenario 8', r.opened.failed, r.opened.failureSamples),
    ],
  };
}

export const CLUSTER_SCENARIOS: readonly Scenario[] = [
  {
    id: 8,
    name: 'cluster connect storm',
    metrics: [
      { key: 'onlineSeconds', label: 's until all connected', unit: 's', better: 'lower', goal: { op: '<=', value: 15 } },
      { key: 'failures', label: 'failures', unit: 'count', better: 'lower', goal: { op: '<=', value: 0 } },
      { key: 'kbPerDevice', label: 'RSS kB/device, worst node', unit: 'kB', better: 'lower', goal: { op: '<=', value: 50 } },
    ],
    runCluster: clusterStorm,
  },
];
