import type { Registry } from '../types.js';
import { PgAudit } from './audit.js';
import { PgTerminalLogins } from './terminal-logins.js';
import { PgConnection } from './connection.js';
import { PgDevices } from './devices.js';
import { PgFleets } from './fleets.js';
import { PgGrants } from './grants.js';
import { migratePg } from './migrations.js';
import { PgUsers } from './users.js';

export interface PgRegistryOptions {
  /** Tables live in this schema, created when missing; `public` by default. */
  schema?: string;
  /** The clock for createdAt, grant expiry and defaults; tests move it. */
  now?: () => number;
}

/**
 * The shared registry of a cluster: every node and admin command opens the same PostgreSQL
 * database through its own pool. Opening migrates the schema (once, whoever comes first).
 */
export class PgRegistry implements Registry {
  readonly devices: PgDevices;
  readonly users: PgUsers;
  readonly fleets: PgFleets;
  readonly grants: PgGrants;
  readonly audit: PgAudit;
  readonly terminalLogins: PgTerminalLogins;

  private constructor(private readonly connection: PgConnection) {
    this.devices = new PgDevices(connection);
    this.users = new PgUsers(connection);
    this.fleets = new PgFleets(connection);
    this.grants = new PgGrants(connection);
    this.audit = new PgAudit(connection);
    this.terminalLogins = new PgTerminalLogins(connection);
  }

  static async open(url: string, options: PgRegistryOptions = {}): Promise<PgRegistry> {
    const connection = await PgConnection.open({ url, schema: options.schema, now: options.now ?? Date.now });
    try {
      await migratePg(connection);
    } catch (err) {
      await connection.close();
      throw err;
    }
    return new PgRegistry(connection);
  }

  /** Nodes and admin commands change the database without telling: every open reads it again. */
  async accessMarker(): Promise<string | undefined> {
    return undefined;
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
