import { directPath } from './direct.js';
import { opensshPath, opensshTtyPath } from './openssh/path.js';
import { tunnelClusterPath } from './tunnel/cluster-path.js';
import { interceptedTunnelPath, tunnelPath } from './tunnel/path.js';
import type { BenchPath } from './types.js';

/** Table column order. Baselines first: ratios are taken against them. */
export const PATHS: readonly BenchPath[] = [directPath, opensshPath, opensshTtyPath, tunnelPath(), interceptedTunnelPath(), tunnelClusterPath];

/** The physical floor, and the OpenSSH chains issue 7's targets are stated against. */
export const FLOOR = 'direct';
export const BASTIONS: readonly string[] = ['openssh', 'openssh-tty'];
/** The product relayed between two cluster nodes, against the same product on one node. */
export const CROSS_NODE = { path: 'tunnel-cluster', baseline: 'tunnel' } as const;
