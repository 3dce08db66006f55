import pg from 'pg';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import net from 'node:net';

/**
 * The PostgreSQL and Redis a cluster test shares (CI starts both, see .ci/run). A test that
 * needs them fails when they do not answer, never skips.
 */
const ADMIN_POSTGRES_URL = process.env['TUNNEL_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env['TUNNEL_TEST_REDIS'] ?? 'redis://127.0.0.1:6379';

export interface ClusterStores {
  registryUrl: string;
  presenceUrl: string;
  /** Drops the database and the key prefix. */
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database and Redis key prefix with unique names, for one test's cluster. */
export async function createClusterStores(): Promise<ClusterStores> {
  const name = `cluster_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const registryUrl = new URL(ADMIN_POSTGRES_URL);
  registryUrl.pathname = `/${name}`;
  const prefix = `${name}:`;
  const presenceUrl = new URL(REDIS_URL);
  presenceUrl.searchParams.set('prefix', prefix);
  return {
    registryUrl: registryUrl.toString(),
    presenceUrl: presenceUrl.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: ADMIN_POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
      const redis = new Redis(REDIS_URL);
      try {
        const keys = await redis.keys(`${prefix}*`);
        if (keys.length > 0) await redis.del(...keys);
      } finally {
        redis.disconnect();
      }
    },
  };
}

/**
 * What a device dials in a cluster test: a TCP forwarder standing in for the load balancer, so the
 * test decides which node a device's next connection lands on (`target`) and can cut the ones it
 * carries (`dropAll`, as a node or balancer failing would).
 */
export interface FrontDoor {
  port: number;
  target: number;
  dropAll(): void;
  close(): Promise<void>;
}

export async function startFrontDoor(target: number): Promise<FrontDoor> {
  const held = new Set<net.Socket>();
  const hold = (s: net.Socket): void => {
    held.add(s);
    s.once('close', () => held.delete(s));
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(door.target, '127.0.0.1');
    hold(client);
    hold(upstream);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const door: FrontDoor = {
    port: (server.address() as net.AddressInfo).port,
    target,
    dropAll() {
      for (const s of held) s.destroy();
    },
    close() {
      door.dropAll();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return door;
}
