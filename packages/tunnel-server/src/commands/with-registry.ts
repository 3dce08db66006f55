import { openConfiguredRegistry } from '../registry/open-configured.js';
import type { Registry } from '../registry/types.js';
import type { StateFlags } from './options.js';

/**
 * Opens the registry for one admin command (the cluster's with --registry, else the data
 * directory's) and always closes it. It never creates one (only `start` and `init` do): a
 * mistyped --data must say so, not write a fresh registry the server never reads.
 */
export async function withRegistry<T>(flags: StateFlags, fn: (registry: Registry) => Promise<T>): Promise<T> {
  const registry = await openConfiguredRegistry({ url: flags.registry, dataDir: flags.data, create: false });
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}
