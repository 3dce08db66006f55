import { openConfiguredRegistry } from '../registry/open-configured.js';
import type { Registry } from '../registry/types.js';
import type { StateFlags } from './options.js';

/**
 * Opens the registry for one admin command (the cluster's with --registry, else the data
 * directory's) and always closes it. Only the commands that add something may create a SQLite
 * registry: a mistyped --data on `device list` must say so, not answer with an empty new registry.
 */
export async function withRegistry<T>(flags: StateFlags, fn: (registry: Registry) => Promise<T>, options: { create?: boolean } = {}): Promise<T> {
  const registry = await openConfiguredRegistry({ url: flags.registry, dataDir: flags.data, create: options.create ?? false });
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}
