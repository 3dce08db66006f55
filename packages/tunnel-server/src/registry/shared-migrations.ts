/**
 * Schema steps both backends take with the same meaning. Only the dialect differs: the integer
 * type of ids (SQLite's INTEGER is 64-bit, PostgreSQL's is not) and SQLite's STRICT tables.
 */
export interface SqlDialect {
  id: 'INTEGER' | 'BIGINT';
  tableOptions: '' | 'STRICT';
}

/** 2: the browser terminal's sshd port and user per fleet or device (null: inherit). */
export function terminalLoginsStep(d: SqlDialect): string {
  return `
  CREATE TABLE terminal_logins (
    device_uuid TEXT UNIQUE REFERENCES devices(uuid) ON DELETE CASCADE,
    fleet_id ${d.id} UNIQUE REFERENCES fleets(id) ON DELETE CASCADE,
    ssh_port INTEGER CHECK (ssh_port BETWEEN 1 AND 65535),
    ssh_user TEXT,
    CHECK ((device_uuid IS NULL) <> (fleet_id IS NULL))
  ) ${d.tableOptions};
  `;
}

/**
 * 3: who came from where and how (stream entries), and the admin actions (kind 'admin', with the
 * action and what it was done to); older rows are streams with neither.
 */
export const AUDIT_SOURCES_STEP = `
  ALTER TABLE audit_log ADD COLUMN kind TEXT NOT NULL DEFAULT 'stream';
  ALTER TABLE audit_log ADD COLUMN source_address TEXT;
  ALTER TABLE audit_log ADD COLUMN access_path TEXT;
  ALTER TABLE audit_log ADD COLUMN action TEXT;
  ALTER TABLE audit_log ADD COLUMN subject TEXT;
  `;
