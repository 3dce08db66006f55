import type { TargetEndpoints } from '../targets/launch.js';

export interface PathContext {
  /** The echo and sink services on the far side, reachable directly on loopback. */
  readonly targets: TargetEndpoints;
  /** Progress lines for the operator (stderr); never part of the results. */
  readonly log: (line: string) => void;
}

/**
 * What scenarios 5-7 need to measure the product itself rather than a path through it: the server
 * and agent processes, and enough to open more device sessions against the same server.
 */
export interface ProductHandle extends SimulatorTarget {
  readonly serverPid: number;
  readonly agentPid: number;
  /** Provisions one more device and starts its agent; resolves once it is connected. */
  startIdleAgent(): Promise<{ readonly pid: number; stop(): Promise<void> }>;
}

/** Where the device simulator puts its devices: the tunnel path's server, or a cluster's nodes. */
export interface SimulatorTarget {
  /** A server data directory: the cluster's trust (the simulator opens the registry from it). */
  readonly dataDir: string;
  /** A real device's config.json: the simulator takes endpoint, CA and server key from it. */
  readonly deviceConfig: string;
  /** Where further logs go (the simulator's); removed on teardown. */
  readonly workDir: string;
  /** A cluster's shared registry (postgres://); the SQLite file in dataDir when absent. */
  readonly registryUrl?: string;
  /** host:port of every node of a cluster; device i dials endpoint i mod n. */
  readonly deviceEndpoints?: readonly string[];
}

/** What the cluster scenario measures: the nodes, and what presence says about the devices. */
export interface ClusterHandle extends SimulatorTarget {
  readonly nodes: readonly { readonly id: string; readonly pid: number }[];
  /** Devices whose tunnel presence shows connected now, by node id. */
  connectedByNode(): Promise<Map<string, number>>;
}

/** A path that is up: the load generator dials `endpoints` and reaches the targets through it. */
export interface RunningPath {
  readonly endpoints: TargetEndpoints;
  /** Facts worth printing with the results, e.g. the negotiated ssh cipher. */
  readonly notes: readonly string[];
  /** Processes that carry the traffic, now (sshd forks per connection, so this can change). */
  processes(): number[];
  /** Those of processes() in the middle, between the two ends (tunnel-server; sshd and its children). */
  relayProcesses(): number[];
  /** Present on the product's own path only. */
  readonly product?: ProductHandle;
  /** Present on the tunnel-cluster path only. */
  readonly cluster?: ClusterHandle;
  /** Stops everything setup started. Must be safe to call after a partial failure. */
  teardown(): Promise<void>;
}

export type PathSetup =
  | { readonly kind: 'ready'; readonly path: RunningPath }
  | { readonly kind: 'skipped'; readonly reason: string };

/** One way from the load generator to the targets; the table has one column per path. */
export interface BenchPath {
  readonly name: string;
  readonly description: string;
  setup(context: PathContext): Promise<PathSetup>;
}
