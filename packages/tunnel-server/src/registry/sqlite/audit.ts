import { RegistryError, RegistryErrorCode } from '../errors.js';
import {
  AUDIT_INTERRUPTED,
  DEFAULT_AUDIT_LIMIT,
  MAX_AUDIT_LIMIT,
  type AuditFilter,
  type AuditOutcome,
  type AuditRecord,
  type AuditRegistry,
  type EpochMs,
  type NewAuditEntry,
} from '../types.js';
import { checkCount, checkNonEmpty, checkPort, checkTimestamp } from '../validate.js';
import type { Connection, SqlValue } from './connection.js';
import { expectChanged } from './lookup.js';

interface AuditRow {
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
}

function toRecord(row: AuditRow): AuditRecord {
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
  };
}

export class SqliteAudit implements AuditRegistry {
  constructor(private readonly db: Connection) {}

  async start(entry: NewAuditEntry): Promise<number> {
    // Only presence is checked, not the uuid format or existence: an attempt on a device that
    // is gone or mistyped is exactly what the audit log must still record.
    checkNonEmpty('user', entry.user);
    checkNonEmpty('deviceUuid', entry.deviceUuid);
    checkNonEmpty('targetHost', entry.targetHost);
    checkPort(entry.targetPort);
    const startedAt = entry.startedAt === undefined ? this.db.now() : checkTimestamp('startedAt', entry.startedAt);
    return this.db.run(
      'INSERT INTO audit_log (user_name, device_uuid, target_host, target_port, started_at) VALUES (?, ?, ?, ?, ?)',
      [entry.user, entry.deviceUuid, entry.targetHost, entry.targetPort, startedAt],
    ).lastId;
  }

  async finish(id: number, outcome: AuditOutcome): Promise<void> {
    const endedAt = outcome.endedAt === undefined ? this.db.now() : checkTimestamp('endedAt', outcome.endedAt);
    expectChanged(
      this.db.run('UPDATE audit_log SET ended_at = ?, bytes_up = ?, bytes_down = ?, result = ? WHERE id = ?', [
        endedAt,
        checkCount('bytesUp', outcome.bytesUp),
        checkCount('bytesDown', outcome.bytesDown),
        checkNonEmpty('result', outcome.result),
        id,
      ]),
      'audit entry',
      id,
    );
  }

  async query(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const limit = filter.limit ?? DEFAULT_AUDIT_LIMIT;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_LIMIT) {
      throw new RegistryError(RegistryErrorCode.InvalidValue, `limit ${String(limit)} is not an integer from 1 to ${MAX_AUDIT_LIMIT}`);
    }
    const conditions: string[] = [];
    const params: Record<string, SqlValue> = { limit };
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
    return this.db.all<AuditRow>(`SELECT * FROM audit_log ${where} ORDER BY started_at DESC, id DESC LIMIT @limit`, params).map(toRecord);
  }

  async closeInterrupted(endedAt: EpochMs): Promise<number> {
    return this.db.run('UPDATE audit_log SET ended_at = ?, result = ? WHERE result IS NULL', [checkTimestamp('endedAt', endedAt), AUDIT_INTERRUPTED]).changes;
  }

  async prune(before: EpochMs): Promise<number> {
    return this.db.run('DELETE FROM audit_log WHERE started_at < ?', [checkTimestamp('before', before)]).changes;
  }
}
