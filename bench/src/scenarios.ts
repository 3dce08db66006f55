import { bulkToSink } from './load/bulk.js';
import { connectLatency } from './load/connect-latency.js';
import { pingPong } from './load/ping-pong.js';
import { summarize, type LatencySummary } from './load/stats.js';
import { CLUSTER_SCENARIOS, type ClusterContext } from './product/cluster-scenarios.js';
import { PRODUCT_SCENARIOS, type ProductContext } from './product/scenarios.js';
import type { Sizes } from './sizes.js';
import type { TargetEndpoints } from './targets/launch.js';

export type Unit = 'MiB/s' | 'µs' | 'kB' | 'MB' | '%' | 's' | 'count' | 'ms/min';

export interface Metric {
  readonly key: string;
  readonly label: string;
  readonly unit: Unit;
  readonly better: 'higher' | 'lower';
  /** Issue 16's target for tunnel ÷ openssh, if it sets one. */
  readonly target?: { readonly op: '>=' | '<='; readonly ratio: number };
  /** Issue 7's target as an absolute figure, for what has no OpenSSH counterpart (scenarios 5-7). */
  readonly goal?: { readonly op: '<=' | '<'; readonly value: number };
}

export interface ScenarioOutput {
  /** Keyed by Metric.key: the figures in the table. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Everything else worth keeping in the JSON (byte counts, means, extremes). */
  readonly details: Readonly<Record<string, number>>;
  /** Facts for the text report (why a storm failed, which source addresses were used). */
  readonly notes?: readonly string[];
}

export interface Scenario {
  readonly id: number;
  readonly name: string;
  readonly metrics: readonly Metric[];
  /** Traffic through a path's endpoints: runs on every path. */
  readonly run?: (endpoints: TargetEndpoints, sizes: Sizes) => Promise<ScenarioOutput>;
  /** Measures the product's own processes: runs on the tunnel path only. */
  readonly runProduct?: (context: ProductContext) => Promise<ScenarioOutput>;
  /** Measures a cluster's nodes: runs on the tunnel-cluster path only. */
  readonly runCluster?: (context: ClusterContext) => Promise<ScenarioOutput>;
}

function latencyOutput(s: LatencySummary): ScenarioOutput {
  return {
    metrics: { p50: s.p50, p99: s.p99 },
    details: { count: s.count, mean: s.mean, min: s.min, max: s.max },
  };
}

async function bulk(endpoints: TargetEndpoints, sizes: Sizes, streams: number, total: number): Promise<ScenarioOutput> {
  // Warm-up: JIT, TCP windows and ssh channel windows grow before the measured transfer.
  await bulkToSink(endpoints.sink, { bytesPerStream: sizes.bulkWarmupBytes, streams: 1, timeoutMs: sizes.scenarioTimeoutMs });
  const r = await bulkToSink(endpoints.sink, {
    bytesPerStream: Math.floor(total / streams),
    streams,
    timeoutMs: sizes.scenarioTimeoutMs,
  });
  return { metrics: { mibps: r.mibPerSecond }, details: { bytes: r.bytes, seconds: r.seconds, streams, carriedBytes: r.bytes + sizes.bulkWarmupBytes } };
}

/** CPU seconds the server (tunnel-server; sshd and its children) spent per GiB relayed. */
const SERVER_CPU: Metric = { key: 'serverCpu', label: 'server CPU s/GiB', unit: 's', better: 'lower', target: { op: '<=', ratio: 1.0 } };

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 1,
    name: 'one stream bulk',
    metrics: [{ key: 'mibps', label: 'MiB/s', unit: 'MiB/s', better: 'higher', target: { op: '>=', ratio: 1.5 } }, SERVER_CPU],
    run: (e, s) => bulk(e, s, 1, s.bulkBytes),
  },
  {
    id: 2,
    name: '64 streams bulk',
    metrics: [{ key: 'mibps', label: 'MiB/s aggregate', unit: 'MiB/s', better: 'higher', target: { op: '>=', ratio: 2.0 } }, SERVER_CPU],
    run: (e, s) => bulk(e, s, s.multiStreams, s.multiBytesTotal),
  },
  {
    id: 3,
    name: '64 B ping-pong',
    metrics: [
      { key: 'p50', label: 'RTT p50 µs', unit: 'µs', better: 'lower', target: { op: '<=', ratio: 0.8 } },
      { key: 'p99', label: 'RTT p99 µs', unit: 'µs', better: 'lower', target: { op: '<=', ratio: 1.0 } },
    ],
    run: async (e, s) =>
      latencyOutput(summarize(await pingPong(e.echo, {
        roundTrips: s.pingPongRoundTrips,
        payloadBytes: s.pingPongPayload,
        warmup: s.pingPongWarmup,
        timeoutMs: s.scenarioTimeoutMs,
      }))),
  },
  {
    id: 4,
    name: 'new connection',
    metrics: [
      { key: 'p50', label: 'to 1st echo p50 µs', unit: 'µs', better: 'lower', target: { op: '<=', ratio: 0.5 } },
      { key: 'p99', label: 'to 1st echo p99 µs', unit: 'µs', better: 'lower' },
    ],
    run: async (e, s) =>
      latencyOutput(summarize(await connectLatency(e.echo, {
        connections: s.connections,
        warmup: s.connectionWarmup,
        timeoutMs: s.scenarioTimeoutMs,
      }))),
  },
  ...PRODUCT_SCENARIOS,
  ...CLUSTER_SCENARIOS,
];
