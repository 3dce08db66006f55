import { AUDIT_INTERRUPTED, type AuditFilter, type AuditOutcome, type AuditRecord, type AuditRegistry, type EpochMs, type NewAuditEntry } from '../types.js';
import { AUDIT_INSERT_COLUMNS, auditOutcomeValues, checkAuditEntry, checkTimestamp } from '../validate.js';
import type { Connection } from './connection.js';
import { expectChanged } from './lookup.js';
import { auditQuery, toAuditRecord, type AuditRow } from '../rows.js';

export class SqliteAudit implements AuditRegistry {
  constructor(private readonly db: Connection) {}

  async start(entry: NewAuditEntry): Promise<number> {
    const values = checkAuditEntry(entry, this.db.now());
    return this.db.run(`INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS}) VALUES (${values.map(() => '?').join(', ')})`, values).lastId;
  }

  async finish(id: number, outcome: AuditOutcome): Promise<void> {
    const values = auditOutcomeValues(outcome, this.db.now());
    expectChanged(this.db.run('UPDATE audit_log SET ended_at = ?, bytes_up = ?, bytes_down = ?, result = ? WHERE id = ?', [...values, id]), 'audit entry', id);
  }

  async query(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const { sql, params } = auditQuery(filter);
    return this.db.all<AuditRow>(sql, params).map(toAuditRecord);
  }

  async closeInterrupted(endedAt: EpochMs): Promise<number> {
    return this.db.run('UPDATE audit_log SET ended_at = ?, result = ? WHERE result IS NULL', [checkTimestamp('endedAt', endedAt), AUDIT_INTERRUPTED]).changes;
  }

  async prune(before: EpochMs): Promise<number> {
    return this.db.run('DELETE FROM audit_log WHERE started_at < ?', [checkTimestamp('before', before)]).changes;
  }
}
