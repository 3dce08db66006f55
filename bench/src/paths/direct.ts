import type { BenchPath } from './types.js';

/** The load generator straight to the targets: the physical floor every other path is held against. */
export const directPath: BenchPath = {
  name: 'direct',
  description: 'load generator -> target services over loopback TCP',
  setup: async ({ targets }) => ({
    kind: 'ready',
    path: {
      endpoints: targets,
      notes: [],
      processes: () => [],
      relayProcesses: () => [],
      teardown: async () => {},
    },
  }),
};
