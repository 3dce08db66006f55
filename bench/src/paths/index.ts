import { directPath } from './direct.js';
import { opensshPath } from './openssh/path.js';
import { tunnelPath } from './tunnel.js';
import type { BenchPath } from './types.js';

/** Table column order. Baselines first: ratios are taken against them. */
export const PATHS: readonly BenchPath[] = [directPath, opensshPath, tunnelPath()];

export const BASELINES = { floor: 'direct', bastion: 'openssh' } as const;
