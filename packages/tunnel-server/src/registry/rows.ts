/**
 * Rows as both backends return them (the same column names in SQLite and PostgreSQL) and the
 * records the interface speaks in, so neither backend can drift in what it hands out.
 */
import { RegistryError, RegistryErrorCode } from './errors.js';
import type { AccessPath, AuditFilter, AuditKind, AuditRecord, DeviceRecord, DeviceStatusFacts, FleetRecord, GrantScope, Role, SupportGrantRecord, TerminalLogin, UserRecord } from './types.js';
import { checkAuditLimit, checkNonEmpty, checkPort, checkSshUser, checkTimestamp } from './validate.js';

export interface DeviceRow {
  uuid: string;
  name: string;
  fleet: string | null;
  auth_public_key: string;
  created_at: number;
  last_error_code: string | null;
  last_error_message: string | null;
  last_error_at: number | null;
  last_remote_address: string | null;
  agent_version: string | null;
  clock_offset_ms: number | null;
  last_connected_at: number | null;
  last_disconnected_at: number | null;
}

export function toDeviceRecord(row: DeviceRow): DeviceRecord {
  return {
    uuid: row.uuid,
    name: row.name,
    fleet: row.fleet,
    authPublicKey: row.auth_public_key,
    createdAt: row.created_at,
    lastError:
      row.last_error_code === null || row.last_error_at === null
        ? null
        : { code: row.last_error_code, message: row.last_error_message ?? '', at: row.last_error_at },
    lastRemoteAddress: row.last_remote_address,
    agentVersion: row.agent_version,
    clockOffsetMs: row.clock_offset_ms,
    lastConnectedAt: row.last_connected_at,
    lastDisconnectedAt: row.last_disconnected_at,
  };
}

/** The columns an update of these facts sets; a fact absent from `facts` leaves its columns alone. */
export function statusColumns(facts: Partial<DeviceStatusFacts>): Record<string, string | number | null> {
  const columns: Record<string, string | number | null> = {};
  const { lastError, clockOffsetMs } = facts;
  if (lastError !== undefined) {
    columns.last_error_code = lastError === null ? null : checkNonEmpty('lastError.code', lastError.code);
    columns.last_error_message = lastError?.message ?? null;
    columns.last_error_at = lastError === null ? null : checkTimestamp('lastError.at', lastError.at);
  }
  if (facts.lastRemoteAddress !== undefined) columns.last_remote_address = facts.lastRemoteAddress;
  if (facts.agentVersion !== undefined) columns.agent_version = facts.agentVersion;
  if (clockOffsetMs !== undefined) {
    if (clockOffsetMs !== null && !Number.isFinite(clockOffsetMs)) {
      throw new RegistryError(RegistryErrorCode.InvalidValue, `clockOffsetMs ${String(clockOffsetMs)} is not a finite number`);
    }
    // The column is an integer; a fraction of a millisecond means nothing over a network.
    columns.clock_offset_ms = clockOffsetMs === null ? null : Math.round(clockOffsetMs);
  }
  for (const [key, column] of [
    ['lastConnectedAt', 'last_connected_at'],
    ['lastDisconnectedAt', 'last_disconnected_at'],
  ] as const) {
    const at = facts[key];
    if (at !== undefined) columns[column] = at === null ? null : checkTimestamp(key, at);
  }
  return columns;
}

export interface AuditRow {
  id: number;
  user_name: string;
  device_uuid: string;
  target_host: string;
  target_port: number;
  started_at: number;
  ended_at: number | null;
  bytes_up: number;
  bytes_down: number;
  result: string | null;
  kind: string;
  source_address: string | null;
  access_path: string | null;
  action: string | null;
  subject: string | null;
}

export function toAuditRecord(row: AuditRow): AuditRecord {
  return {
    id: row.id,
    user: row.user_name,
    deviceUuid: row.device_uuid,
    targetHost: row.target_host,
    targetPort: row.target_port,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    bytesUp: row.bytes_up,
    bytesDown: row.bytes_down,
    result: row.result,
    kind: row.kind as AuditKind,
    sourceAddress: row.source_address,
    accessPath: row.access_path as AccessPath | null,
    action: row.action,
    subject: row.subject,
  };
}

export interface GrantRow {
  id: number;
  device_uuid: string | null;
  fleet: string | null;
  /** JSON text in SQLite, an integer array in PostgreSQL. */
  ports: string | number[];
  created_by: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

export function toGrantRecord(row: GrantRow): SupportGrantRecord {
  const scope: GrantScope = row.device_uuid !== null ? { kind: 'device', deviceUuid: row.device_uuid } : { kind: 'fleet', fleet: row.fleet ?? '' };
  return {
    id: row.id,
    scope,
    ports: typeof row.ports === 'string' ? (JSON.parse(row.ports) as number[]) : row.ports,
    createdBy: row.created_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

export interface TerminalLoginRow {
  device_uuid: string | null;
  ssh_port: number | null;
  ssh_user: string | null;
}

/** A scope's login and the login its rows give it: the device's own row first, then its fleet's. */
export function mergeTerminalLogins(rows: readonly TerminalLoginRow[]): TerminalLogin {
  const ordered = [...rows].sort((a, b) => Number(b.device_uuid !== null) - Number(a.device_uuid !== null));
  return {
    sshPort: ordered.find((r) => r.ssh_port !== null)?.ssh_port ?? null,
    sshUser: ordered.find((r) => r.ssh_user !== null)?.ssh_user ?? null,
  };
}

/** `current` with the fields of `changes` applied, after checking them. */
export function changedTerminalLogin(current: TerminalLogin, changes: Partial<TerminalLogin>): TerminalLogin {
  const sshPort = changes.sshPort === undefined ? current.sshPort : changes.sshPort === null ? null : checkPort(changes.sshPort);
  const sshUser = changes.sshUser === undefined ? current.sshUser : changes.sshUser === null ? null : checkSshUser(changes.sshUser);
  return { sshPort, sshUser };
}

export const TERMINAL_LOGIN_SELECT = 'SELECT t.device_uuid, t.ssh_port, t.ssh_user FROM terminal_logins t';

/** The rows that make a device's login: its own and its fleet's. */
export const TERMINAL_LOGIN_OF_DEVICE = '(t.device_uuid = @device OR t.fleet_id = (SELECT fleet_id FROM devices WHERE uuid = @device))';

export interface FleetRow {
  name: string;
  created_at: number;
}

export function toFleetRecord(row: FleetRow): FleetRecord {
  return { name: row.name, createdAt: row.created_at };
}

export interface UserRow {
  name: string;
  role: Role;
  created_at: number;
}

export const USER_COLUMNS = 'u.name, u.role, u.created_at';

export function toUserRecord(row: UserRow): UserRecord {
  return { name: row.name, role: row.role, createdAt: row.created_at };
}

/** SQL both backends run as is (PostgreSQL through named parameters). */
export const GRANT_SELECT = `
  SELECT g.id, g.device_uuid, f.name AS fleet, g.ports, g.created_by, g.created_at, g.expires_at, g.revoked_at
  FROM support_grants g LEFT JOIN fleets f ON f.id = g.fleet_id`;

/** Active at @at: begun, not yet expired, not revoked by then. */
export const GRANT_ACTIVE = 'g.created_at <= @at AND g.expires_at > @at AND (g.revoked_at IS NULL OR g.revoked_at > @at)';

/** Grants on the device itself and on the fleet it belongs to now. */
export const GRANT_APPLIES_TO_DEVICE = '(g.device_uuid = @device OR g.fleet_id = (SELECT fleet_id FROM devices WHERE uuid = @device))';

export const DEVICE_SELECT = `
  SELECT d.*, f.name AS fleet
  FROM devices d LEFT JOIN fleets f ON f.id = d.fleet_id`;


/** The audit query of a filter, with `@name` placeholders, for either backend. */
export function auditQuery(filter: AuditFilter): { sql: string; params: Record<string, string | number> } {
  const params: Record<string, string | number> = { limit: checkAuditLimit(filter.limit) };
  const conditions: string[] = [];
  if (filter.deviceUuid !== undefined) {
    conditions.push('device_uuid = @device');
    params.device = filter.deviceUuid;
  }
  if (filter.user !== undefined) {
    conditions.push('user_name = @user');
    params.user = filter.user;
  }
  if (filter.since !== undefined) {
    conditions.push('started_at >= @since');
    params.since = checkTimestamp('since', filter.since);
  }
  const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
  return { sql: `SELECT * FROM audit_log ${where} ORDER BY started_at DESC, id DESC LIMIT @limit`, params };
}
