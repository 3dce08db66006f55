import { auditQuery, toAuditRecord, type AuditRow } from '../rows.js';
import { AUDIT_INTERRUPTED, type AuditFilter, type AuditOutcome, type AuditRecord, type AuditRegistry, type EpochMs, type NewAuditEntry } from '../types.js';
import { AUDIT_INSERT_COLUMNS, auditOutcomeValues, checkAuditEntry, checkTimestamp } from '../validate.js';
import type { PgConnection } from './connection.js';
import { expectChanged } from './lookup.js';

export class PgAudit implements AuditRegistry {
  constructor(private readonly db: PgConnection) {}

  async start(entry: NewAuditEntry): Promise<number> {
    const values = checkAuditEntry(entry, this.db.now());
    const [row] = await this.db.rows<{ id: number }>(`INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS}) VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`, values);
    return row?.id ?? 0;
  }

  async finish(id: number, outcome: AuditOutcome): Promise<void> {
    const values = auditOutcomeValues(outcome, this.db.now());
    expectChanged(
      await this.db.run('UPDATE audit_log SET ended_at = $1, bytes_up = $2, bytes_down = $3, result = $4 WHERE id = $5', [...values, id]),
      'audit entry',
      id,
    );
  }

  async query(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    const { sql, params } = auditQuery(filter);
    return (await this.db.rows<AuditRow>(sql, params)).map(toAuditRecord);
  }

  async closeInterrupted(endedAt: EpochMs): Promise<number> {
    return this.db.run('UPDATE audit_log SET ended_at = $1, result = $2 WHERE result IS NULL', [checkTimestamp('endedAt', endedAt), AUDIT_INTERRUPTED]);
  }

  async prune(before: EpochMs): Promise<number> {
    return this.db.run('DELETE FROM audit_log WHERE started_at < $1', [checkTimestamp('before', before)]);
  }
}
