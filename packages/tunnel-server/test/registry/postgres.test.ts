import { expect } from 'chai';
import pg from 'pg';
import { openConfiguredRegistry } from '../../src/registry/open-configured.js';
import { PG_SCHEMA_VERSION } from '../../src/registry/postgres/migrations.js';
import { PgRegistry } from '../../src/registry/postgres/registry.js';
import { dropSchema, TEST_POSTGRES_URL, uniqueName } from '../backends.js';
import { expectCode } from './helpers.js';

/** What only the PostgreSQL backend has: a URL, a network, migrations shared by many nodes. */
describe('registry (postgres): opening and migrating', () => {
  let schema: string;
  beforeEach(() => {
    schema = uniqueName('registry_open');
  });
  afterEach(() => dropSchema(schema));

  async function version(): Promise<number> {
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    try {
      return (await client.query<{ v: number }>(`SELECT max(version) AS v FROM ${schema}.schema_migrations`)).rows[0]?.v ?? 0;
    } finally {
      await client.end();
    }
  }

  it('migrates a fresh schema once when several nodes open it at the same moment', async () => {
    const nodes = await Promise.all([1, 2, 3, 4].map(() => PgRegistry.open(TEST_POSTGRES_URL, { schema })));
    try {
      expect(await version()).to.equal(PG_SCHEMA_VERSION);
      const created = await nodes[0]!.devices.create({ name: 'one', authPublicKey: 'k' });
      expect(await nodes[3]!.devices.get(created.uuid)).to.deep.equal(created);
    } finally {
      for (const n of nodes) await n.close();
    }
  });

  it('refuses a schema written by a newer version, saying what to run', async () => {
    await (await PgRegistry.open(TEST_POSTGRES_URL, { schema })).close();
    const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
    await client.connect();
    await client.query(`INSERT INTO ${schema}.schema_migrations (version, applied_at) VALUES ($1, 0)`, [PG_SCHEMA_VERSION + 1]);
    await client.end();
    await expectCode(PgRegistry.open(TEST_POSTGRES_URL, { schema }), 'ERR_REGISTRY_SCHEMA_TOO_NEW', `${PG_SCHEMA_VERSION + 1}`, 'at least as new');
  });

  it('reports a database that does not answer with the URL (password masked) and the settings to check', async () => {
    // Port 1 on loopback: nothing listens there.
    const err = await expectCode(openConfiguredRegistry({ url: 'postgres://tunnel:s3cret@127.0.0.1:1/tunnel', dataDir: '/nonexistent' }), 'ERR_REGISTRY_UNREACHABLE', '--registry', 'TUNNEL_REGISTRY');
    expect(err.message).to.contain('tunnel:***@127.0.0.1:1').and.not.contain('s3cret');
  });

  it('refuses a registry URL that is not postgres://', async () => {
    await expectCode(openConfiguredRegistry({ url: 'mysql://db/tunnel', dataDir: '/nonexistent' }), 'ERR_REGISTRY_INVALID_VALUE', 'postgres://');
  });

  it('fails a call after close with ERR_REGISTRY_CLOSED', async () => {
    const registry = await PgRegistry.open(TEST_POSTGRES_URL, { schema });
    await registry.close();
    await registry.close();
    await expectCode(registry.devices.list(), 'ERR_REGISTRY_CLOSED');
  });
});
