import type Database from 'better-sqlite3';
import { RegistryError, RegistryErrorCode } from '../errors.js';
import { AUDIT_SOURCES_STEP, terminalLoginsStep } from '../shared-migrations.js';

/**
 * The schema as a list of steps; `PRAGMA user_version` holds how many have run. Append new steps,
 * never edit a released one: files in the field are at every earlier version.
 *
 * Conventions: STRICT tables so a wrong type fails loudly instead of being stored; times are
 * INTEGER milliseconds since the epoch; the audit log keeps user and device as text, not foreign
 * keys, because it must outlive both; AUTOINCREMENT where an id is shown to people, so a pruned
 * or deleted id is never handed out again.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE fleets (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  ) STRICT;

  CREATE TABLE devices (
    uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    fleet_id INTEGER REFERENCES fleets(id) ON DELETE RESTRICT,
    auth_public_key TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    last_error_code TEXT,
    last_error_message TEXT,
    last_error_at INTEGER,
    last_remote_address TEXT,
    agent_version TEXT,
    clock_offset_ms INTEGER,
    last_connected_at INTEGER,
    last_disconnected_at INTEGER
  ) STRICT;
  CREATE INDEX devices_fleet ON devices(fleet_id);

  CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'developer', 'support')),
    created_at INTEGER NOT NULL
  ) STRICT;

  -- A table of its own, not a column, so that several tokens per user can come later.
  CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX api_tokens_user ON api_tokens(user_id);

  CREATE TABLE fleet_members (
    fleet_id INTEGER NOT NULL REFERENCES fleets(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (fleet_id, user_id)
  ) STRICT, WITHOUT ROWID;
  CREATE INDEX fleet_members_user ON fleet_members(user_id);

  CREATE TABLE support_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device_uuid TEXT REFERENCES devices(uuid) ON DELETE CASCADE,
    fleet_id INTEGER REFERENCES fleets(id) ON DELETE CASCADE,
    ports TEXT NOT NULL CHECK (json_valid(ports)),
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER,
    CHECK ((device_uuid IS NULL) <> (fleet_id IS NULL))
  ) STRICT;
  CREATE INDEX support_grants_device ON support_grants(device_uuid);
  CREATE INDEX support_grants_fleet ON support_grants(fleet_id);

  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_name TEXT NOT NULL,
    device_uuid TEXT NOT NULL,
    target_host TEXT NOT NULL,
    target_port INTEGER NOT NULL,
    started_at INTEGER NOT NULL,
    ended_at INTEGER,
    bytes_up INTEGER NOT NULL DEFAULT 0,
    bytes_down INTEGER NOT NULL DEFAULT 0,
    result TEXT
  ) STRICT;
  CREATE INDEX audit_log_started ON audit_log(started_at);
  CREATE INDEX audit_log_device ON audit_log(device_uuid, started_at);
  CREATE INDEX audit_log_user ON audit_log(user_name, started_at);
  `,
  terminalLoginsStep({ id: 'INTEGER', tableOptions: 'STRICT' }),
  AUDIT_SOURCES_STEP,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** A database file's versioned schema: what it holds (for messages) and its steps. */
export interface Schema {
  /** "registry", "presence": names the file in error messages. */
  name: string;
  migrations: readonly string[];
}

export const REGISTRY_SCHEMA: Schema = { name: 'registry', migrations: MIGRATIONS };

function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/**
 * Brings the file up to the schema's last version. Safe when several processes open a new file
 * at once: the version is read again under the write lock, so each step runs exactly once.
 */
export function migrate(db: Database.Database, schema: Schema): void {
  const latest = schema.migrations.length;
  if (checkedVersion(db, schema) === latest) return;
  db.transaction(() => {
    for (let version = checkedVersion(db, schema); version < latest; version++) {
      db.exec(schema.migrations[version] as string);
    }
    // PRAGMA takes no bound parameters; the value is our own integer.
    db.pragma(`user_version = ${latest}`);
  }).immediate();
}

function checkedVersion(db: Database.Database, schema: Schema): number {
  const version = userVersion(db);
  const latest = schema.migrations.length;
  if (version > latest) {
    throw new RegistryError(
      RegistryErrorCode.SchemaTooNew,
      `the ${schema.name} at ${db.name} has schema version ${version}, newer than the ${latest} this tunnel-server knows: ` +
        'run a tunnel-server at least as new as the one that last wrote it',
    );
  }
  return version;
}
