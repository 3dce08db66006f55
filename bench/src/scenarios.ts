import { bulkToSink } from './load/bulk.js';
import { connectLatency } from './load/connect-latency.js';
import { pingPong } from './load/ping-pong.js';
import { summarize, type LatencySummary } from './load/stats.js';
import type { Sizes } from './sizes.js';
import type { TargetEndpoints } from './targets/launch.js';

export interface Metric {
  readonly key: string;
  readonly label: string;
  readonly unit: 'MiB/s' | 'µs';
  readonly better: 'higher' | 'lower';
  /** Issue 7's target for tunnel ÷ openssh, if it sets one. */
  readonly target?: { readonly op: '>=' | '<='; readonly ratio: number };
}

export interface ScenarioOutput {
  /** Keyed by Metric.key: the figures in the table. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Everything else worth keeping in the JSON (byte counts, means, extremes). */
  readonly details: Readonly<Record<string, number>>;
}

export interface Scenario {
  readonly id: number;
  readonly name: string;
  readonly metrics: readonly Metric[];
  /** Absent: the scenario measures the product itself and runs only once the tunnel path is wired. */
  readonly run?: (endpoints: TargetEndpoints, sizes: Sizes) => Promise<ScenarioOutput>;
  readonly needs?: string;
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
  return { metrics: { mibps: r.mibPerSecond }, details: { bytes: r.bytes, seconds: r.seconds, streams } };
}

const PRODUCT_ONLY = 'measures the tunnel server/agent themselves: runs once the tunnel path is wired (procedures in bench/src/product/procedures.ts)';

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 1,
    name: 'one stream bulk',
    metrics: [{ key: 'mibps', label: 'MiB/s', unit: 'MiB/s', better: 'higher', target: { op: '>=', ratio: 0.8 } }],
    run: (e, s) => bulk(e, s, 1, s.bulkBytes),
  },
  {
    id: 2,
    name: '64 streams bulk',
    metrics: [{ key: 'mibps', label: 'MiB/s aggregate', unit: 'MiB/s', better: 'higher', target: { op: '>=', ratio: 1.0 } }],
    run: (e, s) => bulk(e, s, s.multiStreams, s.multiBytesTotal),
  },
  {
    id: 3,
    name: '64 B ping-pong',
    metrics: [
      { key: 'p50', label: 'RTT p50 µs', unit: 'µs', better: 'lower', target: { op: '<=', ratio: 1.0 } },
      { key: 'p99', label: 'RTT p99 µs', unit: 'µs', better: 'lower', target: { op: '<=', ratio: 1.5 } },
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
      { key: 'p50', label: 'to 1st echo p50 µs', unit: 'µs', better: 'lower', target: { op: '<=', ratio: 1.0 } },
      { key: 'p99', label: 'to 1st echo p99 µs', unit: 'µs', better: 'lower' },
    ],
    run: async (e, s) =>
      latencyOutput(summarize(await connectLatency(e.echo, {
        connections: s.connections,
        warmup: s.connectionWarmup,
        timeoutMs: s.scenarioTimeoutMs,
      }))),
  },
  { id: 5, name: 'idle devices', metrics: [], needs: PRODUCT_ONLY },
  { id: 6, name: 'connect storm', metrics: [], needs: PRODUCT_ONLY },
  { id: 7, name: 'agent idle', metrics: [], needs: PRODUCT_ONLY },
];
