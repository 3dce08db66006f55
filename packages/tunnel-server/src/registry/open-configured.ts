import { maskPassword } from '../mask-password.js';
import { RegistryError, RegistryErrorCode } from './errors.js';
import { PgRegistry } from './postgres/registry.js';
import { openRegistry } from './sqlite/registry.js';
import type { Registry } from './types.js';

export interface RegistryLocation {
  /** postgres:// URL of a cluster's shared registry; without it, SQLite in dataDir. */
  url?: string;
  dataDir: string;
  /** SQLite only: create the file when missing (see SqliteRegistryOptions.create). */
  create?: boolean;
}

/** The registry a server or admin command was pointed at: PostgreSQL by URL, else the data directory's file. */
export async function openConfiguredRegistry(where: RegistryLocation): Promise<Registry> {
  if (where.url === undefined) return openRegistry({ dataDir: where.dataDir, create: where.create });
  if (!/^postgres(ql)?:\/\//.test(where.url)) {
    throw new RegistryError(
      RegistryErrorCode.InvalidValue,
      `registry URL ${JSON.stringify(maskPassword(where.url))} must start with postgres:// or postgresql:// (flag --registry, config key "registry", env TUNNEL_REGISTRY)`,
    );
  }
  return PgRegistry.open(where.url);
}
