/** How much work each scenario does; --quick trades precision for a run under a minute. */
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
}

const MiB = 1024 * 1024;

export function sizesFor(quick: boolean): Sizes {
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
  };
}
