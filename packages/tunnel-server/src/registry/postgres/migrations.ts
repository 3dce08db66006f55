import { RegistryError, RegistryErrorCode } from '../errors.js';
import type { PgConnection } from './connection.js';
import { AUDIT_SOURCES_STEP, terminalLoginsStep } from '../shared-migrations.js';

/**
 * The PostgreSQL schema as a list of steps; `schema_migrations` holds how many have run. Append new
 * steps, never edit a released one. The same tables and rules as sqlite/migrations.ts (times are
 * BIGINT milliseconds, the audit log keeps names as text, ids shown to people never come back),
 * spelled for PostgreSQL: identity columns, integer arrays for ports.
 */
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE fleets (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
  );

  CREATE TABLE devices (
    uuid TEXT PRIMARY KEY,
    name TEXT NOT NULL CONSTRAINT devices_name_key UNIQUE,
    fleet_id BIGINT REFERENCES fleets(id) ON DELETE RESTRICT,
    auth_public_key TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_error_code TEXT,
    last_error_message TEXT,
    last_error_at BIGINT,
    last_remote_address TEXT,
    agent_version TEXT,
    clock_offset_ms BIGINT,
    last_connected_at BIGINT,
    last_disconnected_at BIGINT
  );
  CREATE INDEX devices_fleet ON devices(fleet_id);

  -- Bumped by every create, update and removal of a device: the change marker of all nodes.
  CREATE TABLE device_changes (only_row BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (only_row), version BIGINT NOT NULL);
  INSERT INTO device_changes (version) VALUES (0);

  CREATE TABLE users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'developer', 'support')),
    created_at BIGINT NOT NULL
  );

  CREATE TABLE api_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
  );
  CREATE INDEX api_tokens_user ON api_tokens(user_id);

  CREATE TABLE fleet_members (
    fleet_id BIGINT NOT NULL REFERENCES fleets(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (fleet_id, user_id)
  );
  CREATE INDEX fleet_members_user ON fleet_members(user_id);

  CREATE TABLE support_grants (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    device_uuid TEXT REFERENCES devices(uuid) ON DELETE CASCADE,
    fleet_id BIGINT REFERENCES fleets(id) ON DELETE CASCADE,
    ports INTEGER[] NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    CHECK ((device_uuid IS NULL) <> (fleet_id IS NULL))
  );
  CREATE INDEX support_grants_device ON support_grants(device_uuid);
  CREATE INDEX support_grants_fleet ON support_grants(fleet_id);

  CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name TEXT NOT NULL,
    device_uuid TEXT NOT NULL,
    target_host TEXT NOT NULL,
    target_port INTEGER NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    bytes_up BIGINT NOT NULL DEFAULT 0,
    bytes_down BIGINT NOT NULL DEFAULT 0,
    result TEXT
  );
  CREATE INDEX audit_log_started ON audit_log(started_at);
  CREATE INDEX audit_log_device ON audit_log(device_uuid, started_at);
  CREATE INDEX audit_log_user ON audit_log(user_name, started_at);
  `,
  terminalLoginsStep({ id: 'BIGINT', tableOptions: '' }),
  AUDIT_SOURCES_STEP,
];

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/**
 * Creates the schema and brings it up to PG_SCHEMA_VERSION. Nodes starting together take turns on
 * an advisory lock, so each step runs exactly once, in one transaction with its version bump.
 */
export async function migratePg(db: PgConnection): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.run(`CREATE SCHEMA IF NOT EXISTS ${db.schema}`);
    await tx.run('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER NOT NULL, applied_at BIGINT NOT NULL)');
    const [row] = await tx.rows<{ version: number | null }>('SELECT max(version) AS version FROM schema_migrations');
    const current = row?.version ?? 0;
    if (current > PG_SCHEMA_VERSION) {
      throw new RegistryError(
        RegistryErrorCode.SchemaTooNew,
        `the registry at ${db.where} (schema ${db.schema}) has schema version ${current}, newer than the ${PG_SCHEMA_VERSION} this ` +
          'tunnel-server knows: run a tunnel-server at least as new as the one that last wrote it',
      );
    }
    for (let version = current; version < PG_SCHEMA_VERSION; version++) {
      await tx.run(PG_MIGRATIONS[version] as string);
      await tx.run('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [version + 1, Date.now()]);
    }
  }, 'migrate');
}
