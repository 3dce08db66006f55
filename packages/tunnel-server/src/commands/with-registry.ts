import { openRegistry } from '../registry/index.js';
import type { Registry } from '../registry/types.js';

/** Opens the registry of a data directory for one admin command and always closes it. */
export async function withRegistry<T>(dataDir: string, fn: (registry: Registry) => Promise<T>): Promise<T> {
  const registry = await openRegistry({ dataDir });
  try {
    return await fn(registry);
  } finally {
    await registry.close();
  }
}
