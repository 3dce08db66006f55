import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deviceStatus } from '../src/presence/device-status.js';
import { SqlitePresence } from '../src/presence/sqlite-presence.js';

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
