import { AUDIT_INTERRUPTED, type AuditFilter, type AuditOutcome, type AuditRecord, type AuditRegistry, type EpochMs, type NewAuditEntry } from '../types.js';
import { AUDIT_INSERT_COLUMNS, auditOutcomeValues, checkAuditEntry, checkTimestamp } from '../validate.js';
import type { Connection } from './connection.js';
import { DeferredSync } from './deferred-sync.js';
import { expectChanged } from './lookup.js';
import { auditQuery, toAuditRecord, type AuditRow } from '../rows.js';

/** How long an audit entry may sit in the OS's cache before it is fsynced. */
export const AUDIT_SYNC_DELAY_MS = 1_000;

/**
 * Entries commit without waiting for the disk and are fsynced together within
 * AUDIT_SYNC_DELAY_MS and on close(): a crash of the server loses none (they are in the WAL,
 * in the OS's cache), a power loss or kernel crash may lose those of the last second.
 */
export class SqliteAudit implements AuditRegistry {
  private readonly durable: DeferredSync;

  constructor(
    private readonly db: Connection,
    syncDelayMs = AUDIT_SYNC_DELAY_MS,
  ) {
    this.durable = new DeferredSync(db, syncDelayMs);
  }

  async start(entry: NewAuditEntry): Promise<number> {
    const values = checkAuditEntry(entry, this.db.now());
    const { lastId } = this.db.runUnsynced(`INSERT INTO audit_log (${AUDIT_INSERT_COLUMNS}) VALUES (${values.map(() => '?').join(', ')})`, values);
    this.durable.wrote();
    return lastId;
  }

  async finish(id: number, outcome: AuditOutcome): Promise<void> {
    const values = auditOutcomeValues(outcome, this.db.now());
    expectChanged(this.db.runUnsynced('UPDATE audit_log SET ended_at = ?, bytes_up = ?, bytes_down = ?, result = ? WHERE id = ?', [...values, id]), 'audit entry', id);
    this.durable.wrote();
  }

  /** Fsyncs what is still only in the OS's cache; the registry calls it before closing. */
  close(): void {
    this.durable.close();
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
