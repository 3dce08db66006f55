import pg from 'pg';
import net from 'node:net';
// The PostgreSQL and Redis the server's own tests use (CI starts both, see .ci/run): one place reads
// the environment that names them. A test that needs them fails when they do not answer, never skips.
import { deleteRedisKeys, TEST_POSTGRES_URL, TEST_REDIS_URL, uniqueName } from 'tunnel-server/test/backends';

export interface ClusterStores {
  registryUrl: string;
  presenceUrl: string;
  /** Drops the database and the key prefix. */
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database and Redis key prefix with unique names, for one test's cluster. */
export async function createClusterStores(): Promise<ClusterStores> {
  const name = uniqueName('cluster_test');
  const admin = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const registryUrl = new URL(TEST_POSTGRES_URL);
  registryUrl.pathname = `/${name}`;
  const prefix = `${name}:`;
  const presenceUrl = new URL(TEST_REDIS_URL);
  presenceUrl.searchParams.set('prefix', prefix);
  return {
    registryUrl: registryUrl.toString(),
    presenceUrl: presenceUrl.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
      await deleteRedisKeys(prefix);
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
