import { expect } from 'chai';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deviceStatus } from '../src/presence/device-status.js';
import Database from 'better-sqlite3';
import { PRESENCE_FILE, PRESENCE_SCHEMA, SqlitePresence } from '../src/presence/sqlite-presence.js';
import { RegistryErrorCode } from '../src/registry/errors.js';

const uuid = 'ab'.repeat(16);
const info = (at: number) => ({ nodeId: 'node-a', remoteAddress: '127.0.0.1', agentVersion: '1', clockOffsetMs: 0, at });

describe('presence (SQLite file)', () => {
  it('ignores the late close of a replaced session: the device stays connected', async () => {
    const presence = SqlitePresence.open(mkdtempSync(path.join(tmpdir(), 'presence-')));
    await presence.connected(uuid, 'old', info(1));
    await presence.connected(uuid, 'new', info(2));
    expect(await presence.disconnected(uuid, 'old', 3)).to.equal(false);
    expect((await presence.get(uuid))?.sessionId).to.equal('new');
    expect(await presence.disconnected(uuid, 'new', 4)).to.equal(true);
    expect((await presence.get(uuid))?.sessionId).to.equal(null);
    await presence.close();
  });

  it('is shared between processes through the data directory, and a restarted node clears its sessions', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'presence-'));
    const server = SqlitePresence.open(dir);
    const admin = SqlitePresence.open(dir);
    await server.connected(uuid, 's1', info(1));
    expect((await admin.get(uuid))?.sessionId).to.equal('s1');
    await server.clearNode('node-a', 5);
    expect(await admin.get(uuid)).to.include({ sessionId: null, disconnectedAt: 5 });
    await server.close();
    await admin.close();
  });

  it('adopts a presence.db written before its schema was versioned, keeping its rows', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'presence-'));
    const old = new Database(path.join(dir, PRESENCE_FILE));
    old.exec(PRESENCE_SCHEMA.migrations[0]!);
    old.prepare('INSERT INTO presence (uuid, session_id, node_id, connected_at) VALUES (?, ?, ?, ?)').run(uuid, 'kept', 'node-a', 1);
    old.close();
    const presence = SqlitePresence.open(dir);
    expect((await presence.get(uuid))?.sessionId).to.equal('kept');
    await presence.close();
    const reopened = new Database(path.join(dir, PRESENCE_FILE), { readonly: true });
    expect(reopened.pragma('user_version', { simple: true })).to.equal(PRESENCE_SCHEMA.migrations.length);
    reopened.close();
  });

  it('fails with registry codes that name the presence file: damaged, newer schema, closed', async () => {
    const damaged = mkdtempSync(path.join(tmpdir(), 'presence-'));
    writeFileSync(path.join(damaged, PRESENCE_FILE), 'not a database, just text '.repeat(100));
    expect(() => SqlitePresence.open(damaged))
      .to.throw(/is not a presence database/)
      .with.property('code', RegistryErrorCode.Corrupt);

    const newer = mkdtempSync(path.join(tmpdir(), 'presence-'));
    const db = new Database(path.join(newer, PRESENCE_FILE));
    db.pragma(`user_version = ${PRESENCE_SCHEMA.migrations.length + 1}`);
    db.close();
    expect(() => SqlitePresence.open(newer))
      .to.throw(/the presence at .* has schema version/)
      .with.property('code', RegistryErrorCode.SchemaTooNew);

    const presence = SqlitePresence.open(mkdtempSync(path.join(tmpdir(), 'presence-')));
    await presence.close();
    let error: unknown;
    await presence.get(uuid).catch((err: unknown) => (error = err));
    expect(error).to.have.property('code', RegistryErrorCode.Closed);
  });

  it('computes the four statuses from the two signals (heartbeat fresh for 1.5 x interval)', () => {
    const base = { uuid, nodeId: null, connectedAt: null, disconnectedAt: null, remoteAddress: null, agentVersion: null, clockOffsetMs: null };
    const now = 100_000;
    const fresh = { lastHeartbeatAt: now - 14_000, heartbeatIntervalMs: 10_000 };
    const stale = { lastHeartbeatAt: now - 16_000, heartbeatIntervalMs: 10_000 };
    expect(deviceStatus({ ...base, ...fresh, sessionId: 's' }, now)).to.equal('online');
    expect(deviceStatus({ ...base, ...fresh, sessionId: null }, now)).to.equal('heartbeat-only');
    expect(deviceStatus({ ...base, ...stale, sessionId: 's' }, now)).to.equal('vpn-only');
    expect(deviceStatus({ ...base, ...stale, sessionId: null }, now)).to.equal('offline');
    expect(deviceStatus(null, now)).to.equal('offline');
  });
});
