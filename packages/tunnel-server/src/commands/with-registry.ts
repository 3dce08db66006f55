import { openRegistry } from '../registry/index.js';
import type { Registry } from '../registry/types.js';

/**
 * Opens the registry of a data directory for one admin command and always closes it. Only the
 * commands that add something may create it: a mistyped --data on `device list` must say so,
 * not answer with an empty new registry.
 */
export async function withRegistry<T>(dataDir: string, fn: (registry: Registry) => Promise<T>, options: { create?: boolean } = {}): Promise<T> {
  const registry = await openRegistry({ dataDir, create: options.create ?? false });
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}
