import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { deviceStatus } from '../src/presence/device-status.js';
import Database from 'better-sqlite3';
import type { Presence } from '../src/presence/presence.js';
import { RedisPresence, type RedisPresenceOptions } from '../src/presence/redis-presence.js';
import { PRESENCE_FILE, PRESENCE_SCHEMA, SqlitePresence } from '../src/presence/sqlite-presence.js';
import { RegistryErrorCode } from '../src/registry/errors.js';
import { deleteRedisKeys, TEST_REDIS_URL, uniqueName } from './backends.js';

const uuid = 'ab'.repeat(16);
const other = 'cd'.repeat(16);
const info = (at: number, nodeId = 'node-a') => ({ nodeId, remoteAddress: '127.0.0.1', agentVersion: '1', clockOffsetMs: 0, at });

interface PresenceStore {
  /** Another instance on the same store, as another process or node opens it. */
  open(): Promise<Presence>;
  tearDown(): Promise<void>;
}

const BACKENDS: { name: string; setUp(): PresenceStore }[] = [
  {
    name: 'sqlite',
    setUp() {
      const dir = mkdtempSync(path.join(tmpdir(), 'presence-'));
      return { open: async () => SqlitePresence.open(dir), tearDown: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'redis',
    setUp() {
      const prefix = `${uniqueName('presence_test')}:`;
      return { open: () => RedisPresence.open(TEST_REDIS_URL, { prefix }), tearDown: () => deleteRedisKeys(prefix) };
    },
  },
];

/** The contract: both backends answer every call the same way. */
for (const backend of BACKENDS) {
  describe(`presence (${backend.name})`, () => {
    let store: PresenceStore;
    let opened: Presence[];
    const open = async (): Promise<Presence> => {
      const p = await store.open();
      opened.push(p);
      return p;
    };
    beforeEach(() => {
      store = backend.setUp();
      opened = [];
    });
    afterEach(async () => {
      for (const p of opened) await p.close();
      await store.tearDown();
    });

    it('records a connect with its facts, and the end of that session', async () => {
      const presence = await open();
      await presence.connected(uuid, 's1', { ...info(1_000), remoteAddress: '203.0.113.7', agentVersion: '2.1', clockOffsetMs: -1500.4 });
      expect(await presence.get(uuid)).to.deep.equal({
        uuid,
        sessionId: 's1',
        nodeId: 'node-a',
        connectedAt: 1_000,
        disconnectedAt: null,
        remoteAddress: '203.0.113.7',
        agentVersion: '2.1',
        clockOffsetMs: -1500,
        lastHeartbeatAt: null,
        heartbeatIntervalMs: null,
      });
      expect(await presence.disconnected(uuid, 's1', 2_000)).to.equal(true);
      expect(await presence.get(uuid)).to.deep.include({ sessionId: null, nodeId: null, connectedAt: 1_000, disconnectedAt: 2_000, agentVersion: '2.1' });
      expect(await presence.get(other)).to.equal(null);
    });

    it('ignores the late close of a replaced session, even from another node', async () => {
      const nodeA = await open();
      const nodeB = await open();
      await nodeA.connected(uuid, 'old', info(1, 'node-a'));
      await nodeB.connected(uuid, 'new', info(2, 'node-b'));
      expect(await nodeA.disconnected(uuid, 'old', 3)).to.equal(false);
      expect(await nodeA.get(uuid)).to.deep.include({ sessionId: 'new', nodeId: 'node-b' });
      // The old node restarting clears only what it still holds.
      await nodeA.clearNode('node-a', 4);
      expect(await nodeB.get(uuid)).to.deep.include({ sessionId: 'new', nodeId: 'node-b' });
      expect(await nodeB.disconnected(uuid, 'new', 5)).to.equal(true);
      expect(await nodeA.get(uuid)).to.deep.include({ sessionId: null, disconnectedAt: 5 });
    });

    it("shares state between instances, and a restarted node's sessions end", async () => {
      const server = await open();
      const admin = await open();
      await server.connected(uuid, 's1', info(1));
      await server.connected(other, 's2', info(1, 'node-b'));
      expect((await admin.get(uuid))?.sessionId).to.equal('s1');
      await server.clearNode('node-a', 5);
      expect(await admin.get(uuid)).to.deep.include({ sessionId: null, disconnectedAt: 5 });
      expect(await admin.get(other)).to.deep.include({ sessionId: 's2' });
    });

    it('keeps heartbeats apart from sessions, lists every device, and forgets a removed one', async () => {
      const presence = await open();
      await presence.heartbeat(uuid, 10_000, 5_000);
      await presence.connected(other, 's', info(1));
      expect(await presence.get(uuid)).to.deep.include({ sessionId: null, lastHeartbeatAt: 10_000, heartbeatIntervalMs: 5_000 });
      await presence.heartbeat(other, 11_000, 5_000);
      expect(await presence.get(other)).to.deep.include({ sessionId: 's', lastHeartbeatAt: 11_000 });
      expect((await presence.list()).map((p) => p.uuid).sort()).to.deep.equal([uuid, other].sort());
      await presence.forget(other);
      expect(await presence.get(other)).to.equal(null);
      expect((await presence.list()).map((p) => p.uuid)).to.deep.equal([uuid]);
    });
  });
}

describe('presence (redis): node liveness', () => {
  let prefix: string;
  const opened: RedisPresence[] = [];
  const open = async (options: RedisPresenceOptions = {}): Promise<RedisPresence> => {
    const p = await RedisPresence.open(TEST_REDIS_URL, { prefix, ...options });
    opened.push(p);
    return p;
  };
  beforeEach(() => {
    prefix = `${uniqueName('presence_live')}:`;
  });
  afterEach(async () => {
    for (const p of opened.splice(0)) await p.close();
    await deleteRedisKeys(prefix);
  });

  /** Polls until `check` holds; only a hang fails (no timing assertion). */
  async function eventually(check: () => Promise<boolean>): Promise<void> {
    for (let i = 0; i < 400; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('condition never held within 20 s');
  }

  it("shows a dead node's devices offline once its liveness key lapses, while another node's stay", async () => {
    // A node that never refreshes is a node that died right after its devices connected.
    const dead = await open({ nodeId: 'node-dead', ttlMs: 300, refreshMs: 3_600_000 });
    const alive = await open({ nodeId: 'node-alive', ttlMs: 60_000 });
    await dead.connected(uuid, 's1', info(Date.now(), 'node-dead'));
    await alive.connected(other, 's2', info(Date.now(), 'node-alive'));
    await eventually(async () => (await alive.get(uuid))?.sessionId === null);
    expect(deviceStatus(await alive.get(uuid), Date.now())).to.equal('offline');
    expect(await alive.get(other)).to.deep.include({ sessionId: 's2', nodeId: 'node-alive' });
  });

  it('re-asserts a live session whose key expired (a stalled node, or Redis restarted empty) on its next refresh', async () => {
    const node = await open({ nodeId: 'node-a', ttlMs: 300, refreshMs: 3_600_000 });
    await node.connected(uuid, 's1', info(Date.now()));
    await eventually(async () => (await node.get(uuid))?.sessionId === null);
    await node.refresh();
    expect(await node.get(uuid)).to.deep.include({ sessionId: 's1', nodeId: 'node-a' });
  });

  it('does not re-assert a session another node has replaced', async () => {
    const a = await open({ nodeId: 'node-a', ttlMs: 60_000, refreshMs: 3_600_000 });
    const b = await open({ nodeId: 'node-b', ttlMs: 60_000, refreshMs: 3_600_000 });
    await a.connected(uuid, 's1', info(1, 'node-a'));
    await b.connected(uuid, 's2', info(2, 'node-b'));
    await a.refresh();
    expect(await b.get(uuid)).to.deep.include({ sessionId: 's2', nodeId: 'node-b' });
  });

  it('gives every connect a higher epoch, held in the session key with node and session id', async () => {
    const node = await open({ nodeId: 'node-a' });
    const raw = new Redis(TEST_REDIS_URL);
    try {
      await node.connected(uuid, 's1', info(1));
      const first = await raw.hgetall(`${prefix}sess:${uuid}`);
      await node.connected(uuid, 's2', info(2));
      const second = await raw.hgetall(`${prefix}sess:${uuid}`);
      expect(first).to.deep.include({ session: 's1', node: 'node-a' });
      expect(second).to.deep.include({ session: 's2', node: 'node-a' });
      expect(Number(second.epoch)).to.be.greaterThan(Number(first.epoch));
      expect(await raw.pttl(`${prefix}sess:${uuid}`)).to.be.greaterThan(0);
    } finally {
      raw.disconnect();
    }
  });

  it('refuses a URL that is not redis:// and reports a Redis that does not answer, naming the fix', async () => {
    let caught: unknown;
    try {
      await RedisPresence.open('http://127.0.0.1:6379');
    } catch (err) {
      caught = err;
    }
    expect(caught).to.have.property('code', 'ERR_PRESENCE_INVALID_URL');
    caught = undefined;
    try {
      // Port 1 on loopback: nothing listens there.
      await RedisPresence.open('redis://127.0.0.1:1');
    } catch (err) {
      caught = err;
    }
    expect(caught).to.have.property('code', 'ERR_PRESENCE_UNREACHABLE');
    expect((caught as Error).message).to.contain('--presence');
  });
});

describe('presence (SQLite file only)', () => {
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
});

describe('device status', () => {
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
