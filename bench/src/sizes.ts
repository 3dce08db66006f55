/** How much work each scenario does; --quick trades precision for a shorter run. */
export interface Sizes {
  readonly bulkBytes: number;
  readonly multiStreams: number;
  /** Spread evenly over the streams, so scenario 2 moves as much data as scenario 1. */
  readonly multiBytesTotal: number;
  readonly bulkWarmupBytes: number;
  readonly pingPongRoundTrips: number;
  readonly pingPongWarmup: number;
  readonly pingPongPayload: number;
  readonly connections: number;
  readonly connectionWarmup: number;
  /** Bound on any single scenario on any path: a stuck path fails instead of hanging the run. */
  readonly scenarioTimeoutMs: number;
  /** Simulated devices of scenarios 5 and 6 (--devices). */
  readonly devices: number;
  /** Simulated devices of scenario 8, spread over the cluster's three nodes (--cluster-devices). */
  readonly clusterDevices: number;
  /** Opens in flight while scenario 5 builds its idle population. */
  readonly idleOpenConcurrency: number;
  /** Scenario 5: pause after the last open before sampling, then the sampling window. */
  readonly idleSettleMs: number;
  readonly idleSampleMs: number;
  /** Scenario 7: how long the idle agent is watched. */
  readonly agentSampleMs: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_DEVICES = 5_000;
/** Issue 14's storm: 10,000 devices across three nodes. */
export const DEFAULT_CLUSTER_DEVICES = 10_000;

export function sizesFor(quick: boolean, devices: number = DEFAULT_DEVICES, clusterDevices: number = DEFAULT_CLUSTER_DEVICES): Sizes {
  return {
    bulkBytes: quick ? 128 * MiB : 1024 * MiB,
    multiStreams: 64,
    multiBytesTotal: quick ? 128 * MiB : 1024 * MiB,
    bulkWarmupBytes: 16 * MiB,
    pingPongRoundTrips: quick ? 2_000 : 20_000,
    pingPongWarmup: quick ? 200 : 1_000,
    pingPongPayload: 64,
    connections: quick ? 100 : 500,
    connectionWarmup: quick ? 5 : 20,
    scenarioTimeoutMs: quick ? 60_000 : 300_000,
    devices,
    clusterDevices,
    idleOpenConcurrency: 256,
    // Longer than a keepalive interval (15 s) in the full run, so every session pings inside it.
    idleSettleMs: quick ? 2_000 : 5_000,
    idleSampleMs: quick ? 10_000 : 30_000,
    agentSampleMs: quick ? 15_000 : 60_000,
  };
}
