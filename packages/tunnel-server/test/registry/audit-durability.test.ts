import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { SqliteRegistry } from '../../src/registry/index.js';
import { Connection } from '../../src/registry/sqlite/connection.js';
import { AUDIT_SYNC_DELAY_MS } from '../../src/registry/sqlite/audit.js';
import { REGISTRY_SCHEMA } from '../../src/registry/sqlite/migrations.js';
import { useRegistry } from './helpers.js';

const DEV = 'a'.repeat(32);
const SYNCHRONOUS_FULL = 2;

/**
 * Audit entries commit without an fsync each and are made durable together. What reached the disk
 * is what the database file holds once the WAL is left out: a copy of the file alone, taken while
 * another instance keeps the database open (so SQLite's own checkpoint at last close cannot help).
 */
describe('audit log durability (SQLite)', () => {
  const fx = useRegistry();

  function auditedInFileAlone(): Promise<string[]> {
    const copy = join(fx.dir, 'copy.db');
    copyFileSync(fx.file, copy);
    const registry = SqliteRegistry.open(copy, { create: false });
    return registry.audit
      .query()
      .then((rows) => rows.map((r) => `${r.user}:${r.result ?? 'open'}`))
      .finally(() => registry.close());
  }

  it('writes every entry into the database file on a clean close', async () => {
    fx.open();
    const id = await fx.registry.audit.start({ user: 'alice', deviceUuid: DEV, targetHost: '127.0.0.1', targetPort: 22 });
    await fx.registry.audit.finish(id, { bytesUp: 1, bytesDown: 2, result: 'ok' });
    await fx.registry.audit.start({ user: 'bob', deviceUuid: DEV, targetHost: '127.0.0.1', targetPort: 22 });
    expect(await auditedInFileAlone(), 'still only in the WAL before the close').to.deep.equal([]);
    await fx.registry.close();
    expect(await auditedInFileAlone()).to.deep.equal(['bob:open', 'alice:ok']);
  });

  it('makes entries durable within the sync delay while the server runs', async () => {
    fx.open();
    await fx.registry.audit.start({ user: 'alice', deviceUuid: DEV, targetHost: '127.0.0.1', targetPort: 22 });
    const deadline = Date.now() + AUDIT_SYNC_DELAY_MS + 30_000;
    let seen: string[] = [];
    while (seen.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      seen = await auditedInFileAlone();
    }
    expect(seen).to.deep.equal(['alice:open']);
  });

  it('keeps every other write of the connection fsynced', () => {
    const db = Connection.open(join(fx.dir, 'other.db'), { create: true, busyTimeoutMs: 1000, now: Date.now, schema: REGISTRY_SCHEMA });
    try {
      const audit = (): void => void db.runUnsynced('INSERT INTO audit_log (user_name, device_uuid, target_host, target_port, started_at) VALUES (?, ?, ?, ?, ?)', ['alice', DEV, 'h', 1, 0]);
      // The audit writes leave NORMAL set (setting it back after each would cost two statements a
      // write); whatever commits next commits with FULL, in a transaction or alone.
      audit();
      audit();
      expect(db.write(() => db.get<{ synchronous: number }>('PRAGMA synchronous'))).to.deep.equal({ synchronous: SYNCHRONOUS_FULL });
      audit();
      db.run('INSERT INTO fleets (name, created_at) VALUES (?, ?)', ['lab', 0]);
      expect(db.get<{ synchronous: number }>('PRAGMA synchronous')).to.deep.equal({ synchronous: SYNCHRONOUS_FULL });
    } finally {
      db.close();
    }
  });
});
