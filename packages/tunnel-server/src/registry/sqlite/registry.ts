import { join } from 'node:path';
import type { Registry } from '../types.js';
import { SqliteAudit } from './audit.js';
import { SqliteTerminalLogins } from './terminal-logins.js';
import { Connection } from './connection.js';
import { SqliteDevices } from './devices.js';
import { REGISTRY_SCHEMA } from './migrations.js';
import { SqliteFleets } from './fleets.js';
import { SqliteGrants } from './grants.js';
import { SqliteUsers } from './users.js';

export const REGISTRY_FILE = 'registry.db';

/**
 * Long enough to ride out an admin command's write or a checkpoint, short enough that a stuck
 * lock surfaces as ERR_REGISTRY_BUSY instead of a hang. The wait blocks the event loop, which is
 * why writes are kept to single short transactions.
 */
export const DEFAULT_BUSY_TIMEOUT_MS = 5_000;

export interface SqliteRegistryOptions {
  /**
   * Create the file (and its directory) when missing. Default true. Admin commands pass false so
   * that a mistyped --data fails instead of writing to a new, empty registry nobody serves.
   */
  create?: boolean;
  busyTimeoutMs?: number;
  /** The clock for createdAt, grant expiry and defaults; tests move it. */
  now?: () => number;
}

export interface OpenRegistryOptions extends SqliteRegistryOptions {
  /** The registry lives in `<dataDir>/registry.db`. */
  dataDir: string;
}

/**
 * The embedded registry: one SQLite file that the server and admin commands open at the same
 * time, each through its own SqliteRegistry.
 */
export class SqliteRegistry implements Registry {
  readonly devices: SqliteDevices;
  readonly users: SqliteUsers;
  readonly fleets: SqliteFleets;
  readonly grants: SqliteGrants;
  readonly audit: SqliteAudit;
  readonly terminalLogins: SqliteTerminalLogins;

  private constructor(private readonly connection: Connection) {
    this.devices = new SqliteDevices(connection);
    this.users = new SqliteUsers(connection);
    this.fleets = new SqliteFleets(connection);
    this.grants = new SqliteGrants(connection);
    this.audit = new SqliteAudit(connection);
    this.terminalLogins = new SqliteTerminalLogins(connection);
  }

  /** Opens (and creates or migrates) the database file at `path`. */
  static open(path: string, options: SqliteRegistryOptions = {}): SqliteRegistry {
    return new SqliteRegistry(
      Connection.open(path, {
        create: options.create ?? true,
        busyTimeoutMs: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
        now: options.now ?? Date.now,
        schema: REGISTRY_SCHEMA,
      }),
    );
  }

  get path(): string {
    return this.connection.path;
  }

  async accessMarker(): Promise<string | undefined> {
    return this.connection.changeMarker();
  }

  async close(): Promise<void> {
    try {
      this.audit.close();
    } finally {
      this.connection.close();
    }
  }
}

/** The registry of a data directory, as the server and admin commands open it. */
export async function openRegistry(options: OpenRegistryOptions): Promise<Registry> {
  const { dataDir, ...rest } = options;
  return SqliteRegistry.open(join(dataDir, REGISTRY_FILE), rest);
}
