import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

/**
 * The PostgreSQL and Redis every test run uses (CI starts both, see .ci/run). Tests that need them
 * fail, never skip, when they do not answer: a green run must mean both backends were tested.
 * The end-to-end tests import this module too (as tunnel-server/test/backends), so both suites
 * read the same environment.
 */
export const TEST_POSTGRES_URL = process.env.TUNNEL_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/test';
export const TEST_REDIS_URL = process.env.TUNNEL_TEST_REDIS ?? 'redis://127.0.0.1:6379';

/** A name no other test, process or run uses: schemas and key prefixes are shared by everyone. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(6).toString('hex')}`;
}

/** Removes a test's keys; the Redis is shared with every other test and engineer. */
export async function deleteRedisKeys(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  try {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** Drops a test's schema and everything in it. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Every row of every table of a schema, as text: what a stolen database would give away. */
export async function schemaDump(schema: string): Promise<Buffer> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1', [schema]);
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      parts.push(JSON.stringify((await client.query(`SELECT * FROM ${schema}."${table_name}"`)).rows));
    }
    return Buffer.from(parts.join('\n'));
  } finally {
    await client.end();
  }
}
