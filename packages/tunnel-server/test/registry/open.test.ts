import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { expect } from 'chai';
import { errorCode } from '@tunnel/protocol/errors';
import { REGISTRY_FILE, SCHEMA_VERSION, SqliteRegistry, openRegistry } from '../../src/registry/index.js';
import { translateSqliteError } from '../../src/registry/sqlite/connection.js';
import { expectCode, fakePublicKey, useRegistry } from './helpers.js';

const run = promisify(execFile);
const registryModule = new URL('../../src/registry/index.js', import.meta.url).href;

/**
 * Another OS process, as `tunnel-server device add --data DIR` is while the server runs: it opens
 * the same data directory and creates `count` devices named `<prefix>-<i>`, one write each.
 */
async function addDevicesFromAnotherProcess(dataDir: string, prefix: string, count: number): Promise<void> {
  const script = `
    const { openRegistry } = await import(process.argv[1]);
    const registry = await openRegistry({ dataDir: process.argv[2], create: false });
    for (let i = 0; i < Number(process.argv[4]); i++) {
      await registry.devices.create({ name: process.argv[3] + '-' + i, authPublicKey: 'k' });
    }
    await registry.close();`;
  await run(process.execPath, ['--input-type=module', '-e', script, registryModule, dataDir, prefix, String(count)]);
}

function rawPragma(file: string, pragma: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma(pragma, { simple: true });
  } finally {
    db.close();
  }
}

describe('registry: opening, sharing and migrating the file', () => {
  const fx = useRegistry();

  it('creates a WAL-mode file at the current schema version, private to its owner', () => {
    expect(rawPragma(fx.file, 'journal_mode')).to.equal('wal');
    expect(rawPragma(fx.file, 'user_version')).to.equal(SCHEMA_VERSION);
    expect(statSync(fx.file).mode & 0o777).to.equal(0o600);
  });

  it('enforces foreign keys on its connection', async () => {
    // A grant's device must exist; with foreign keys off the cascade below would leave it behind.
    const d = await fx.registry.devices.create({ authPublicKey: 'k' });
    const g = await fx.registry.grants.create({ scope: { kind: 'device', deviceUuid: d.uuid }, createdBy: 'a', expiresAt: fx.clock.t + 1000 });
    await fx.registry.devices.remove(d.uuid);
    expect(await fx.registry.grants.get(g.id)).to.equal(null);
  });

  it('reopens an existing file without migrating it again, keeping its data', async () => {
    const device = await fx.registry.devices.create({ authPublicKey: fakePublicKey() });
    await fx.registry.close();
    for (let i = 0; i < 2; i++) {
      const again = SqliteRegistry.open(fx.file);
      expect(await again.devices.get(device.uuid)).to.deep.equal(device);
      await again.close();
    }
    expect(rawPragma(fx.file, 'user_version')).to.equal(SCHEMA_VERSION);
  });

  it("lets two instances on one file see each other's writes at once", async () => {
    const cli = fx.open();
    const { token } = await cli.users.create('alice', 'admin');
    const device = await cli.devices.create({ authPublicKey: 'k' });
    expect(await fx.registry.users.authenticate(token)).to.deep.include({ name: 'alice' });
    expect(await fx.registry.devices.get(device.uuid)).to.deep.equal(device);
    await fx.registry.devices.recordStatus(device.uuid, { agentVersion: '1.2.3' });
    expect(await cli.devices.get(device.uuid)).to.deep.include({ agentVersion: '1.2.3' });
    await cli.devices.remove(device.uuid);
    expect(await fx.registry.devices.get(device.uuid)).to.equal(null);
    await cli.users.rotateToken('alice');
    expect(await fx.registry.users.authenticate(token)).to.equal(null);
  });

  it('sees devices another process adds while this one is open', async () => {
    await addDevicesFromAnotherProcess(fx.dir, 'cli', 3);
    expect((await fx.registry.devices.list()).map((d) => d.name)).to.deep.equal(['cli-0', 'cli-1', 'cli-2']);
  });

  it('loses no write when three processes write at the same time', async () => {
    const here = (async () => {
      for (let i = 0; i < 40; i++) await fx.registry.devices.create({ name: `server-${i}`, authPublicKey: 'k' });
    })();
    await Promise.all([addDevicesFromAnotherProcess(fx.dir, 'one', 40), addDevicesFromAnotherProcess(fx.dir, 'two', 40), here]);
    expect(await fx.registry.devices.list()).to.have.length(120);
  });

  it('keeps reading while another process holds the write lock, and gives up writing after the busy timeout', async () => {
    const registry = fx.open({ busyTimeoutMs: 200 });
    await registry.devices.create({ name: 'committed', authPublicKey: 'k' });
    const other = new Database(fx.file);
    try {
      other.exec('BEGIN IMMEDIATE');
      other.prepare("INSERT INTO devices (uuid, name, auth_public_key, created_at) VALUES (?, 'uncommitted', 'k', 0)").run('e'.repeat(32));
      expect((await registry.devices.list()).map((d) => d.name)).to.deep.equal(['committed']);
      const started = Date.now();
      await expectCode(registry.devices.create({ authPublicKey: 'k' }), 'ERR_REGISTRY_BUSY', fx.file, '200 ms');
      expect(Date.now() - started).to.be.at.least(150);
      other.exec('COMMIT');
    } finally {
      other.close();
    }
    await registry.devices.create({ name: 'after', authPublicKey: 'k' });
    expect((await registry.devices.list()).map((d) => d.name)).to.deep.equal(['after', 'committed', 'uncommitted']);
  });

  it('migrates once when several processes open a new file at the same time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-race-'));
    try {
      const script = `
        const { openRegistry } = await import(process.argv[1]);
        const registry = await openRegistry({ dataDir: process.argv[2] });
        await registry.close();`;
      await Promise.all([1, 2, 3, 4].map(() => run(process.execPath, ['--input-type=module', '-e', script, registryModule, dir])));
      expect(rawPragma(join(dir, REGISTRY_FILE), 'user_version')).to.equal(SCHEMA_VERSION);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a file written by a newer schema', async () => {
    await fx.registry.close();
    const db = new Database(fx.file);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    await expectCode(openRegistry({ dataDir: fx.dir }), 'ERR_REGISTRY_SCHEMA_TOO_NEW', `schema version ${SCHEMA_VERSION + 1}`, fx.file);
  });

  it('refuses a file that is not a database', async () => {
    await fx.registry.close();
    rmSync(`${fx.file}-wal`, { force: true });
    rmSync(`${fx.file}-shm`, { force: true });
    writeFileSync(fx.file, 'this is not SQLite, just text that is long enough to have a header. '.repeat(20));
    await expectCode(openRegistry({ dataDir: fx.dir }), 'ERR_REGISTRY_CORRUPT', fx.file, 'backup');
  });

  it('refuses use after close', async () => {
    await fx.registry.close();
    await fx.registry.close();
    await expectCode(fx.registry.devices.list(), 'ERR_REGISTRY_CLOSED', fx.file);
  });
});

describe('registry: data directory problems', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'registry-dir-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('creates a missing data directory', async () => {
    const registry = await openRegistry({ dataDir: join(dir, 'a', 'b') });
    expect(statSync(join(dir, 'a', 'b', REGISTRY_FILE)).isFile()).to.equal(true);
    await registry.close();
  });

  it('with create: false, says where it looked and what to do instead of starting empty', async () => {
    await expectCode(openRegistry({ dataDir: join(dir, 'typo'), create: false }), 'ERR_REGISTRY_MISSING', join(dir, 'typo', REGISTRY_FILE), '--data');
    expect(() => statSync(join(dir, 'typo'))).to.throw();
  });

  it('reports a data directory that cannot be created, with advice', async () => {
    // A regular file where a directory should be fails for root too, unlike a chmod.
    writeFileSync(join(dir, 'file'), '');
    await expectCode(openRegistry({ dataDir: join(dir, 'file', 'data') }), 'ERR_REGISTRY_UNWRITABLE', join(dir, 'file', 'data'), 'ENOTDIR', 'may write');
  });

  it('reports a full disk as unwritable, with advice', () => {
    // A page limit makes SQLite fail with SQLITE_FULL exactly as it does when the disk fills up.
    const file = join(dir, REGISTRY_FILE);
    const db = new Database(file);
    let sqliteError: unknown;
    try {
      db.exec('CREATE TABLE t (x BLOB)');
      db.pragma(`max_page_count = ${db.pragma('page_count', { simple: true }) as number}`);
      db.prepare('INSERT INTO t VALUES (zeroblob(100000))').run();
    } catch (err) {
      sqliteError = err;
    } finally {
      db.close();
    }
    expect(errorCode(sqliteError)).to.equal('SQLITE_FULL');
    const translated = translateSqliteError(sqliteError, file, 5000);
    expect(errorCode(translated)).to.equal('ERR_REGISTRY_UNWRITABLE');
    expect((translated as Error).message).to.contain(file).and.contain('disk is full').and.contain('free some space');
  });
});
