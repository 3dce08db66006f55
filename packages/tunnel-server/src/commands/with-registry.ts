import { openRegistry } from '../registry/index.js';
import type { Registry } from '../registry/types.js';

/**
 * Opens the registry of a data directory for one admin command and always closes it. It never
 * creates one (only `start` and `init` do): a mistyped --data must say so, not write a fresh
 * registry the server never reads.
 */
export async function withRegistry<T>(dataDir: string, fn: (registry: Registry) => Promise<T>): Promise<T> {
  const registry = await openRegistry({ dataDir, create: false });
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}
