import { cpSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createClusterStores, type ClusterStores } from './cluster.js';
import { startServer, type DeviceConfigJson, type ServerHandle } from './fixtures.js';
import { cleanup, run, SERVER_CLI, tempDir } from './processes.js';

export interface ListedDevice {
  uuid: string;
  name: string;
  status: string;
  lastHeartbeatAt: string | null;
  vpn: { connected: boolean; nodeId: string | null };
}

/**
 * Nodes of one cluster on shared stores: one trust directory (CA and identity key, made once
 * as an operator would) copied to each node, the registry and presence URLs in the environment.
 */
export class ClusterNodes {
  readonly trust = tempDir('tunnel-trust-');

  private constructor(readonly stores: ClusterStores) {}

  static async create(stores: ClusterStores): Promise<ClusterNodes> {
    const nodes = new ClusterNodes(stores);
    const made = await run(SERVER_CLI, ['init', '--data', nodes.trust]);
    if (made.code !== 0) throw new Error(`init failed: ${made.stderr}`);
    return nodes;
  }

  env(stores: Partial<ClusterStores> = {}): NodeJS.ProcessEnv {
    return { TUNNEL_REGISTRY: stores.registryUrl ?? this.stores.registryUrl, TUNNEL_PRESENCE: stores.presenceUrl ?? this.stores.presenceUrl };
  }

  /** A node with fast keepalive and drain settings, plus `args`; `stores` overrides the shared URLs. */
  async start(nodeId: string, args: string[] = [], stores: Partial<ClusterStores> = {}): Promise<ServerHandle> {
    const dataDir = tempDir(`tunnel-${nodeId}-`);
    cpSync(this.trust, dataDir, { recursive: true });
    const base = ['--node-id', nodeId, '--keepalive-interval', '1s', '--keepalive-timeout', '3s', '--drain-grace', '1s', '--drain-spread', '1s'];
    return startServer({ dataDir, args: [...base, ...args], env: this.env(stores) });
  }

  async admin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return run(SERVER_CLI, args, { cwd: this.trust, env: this.env() });
  }

  /** `device add`, its config.json written with `overrides` (e.g. vpnEndpoints). */
  async addDevice(name: string, node: ServerHandle, overrides: Record<string, unknown> = {}): Promise<{ uuid: string; file: string }> {
    const r = await this.admin(['device', 'add', '--data', this.trust, '--name', name, '--endpoint', `127.0.0.1:${node.port}`]);
    if (r.code !== 0) throw new Error(`device add failed: ${r.stderr}`);
    const config = { ...(JSON.parse(r.stdout) as DeviceConfigJson), ...overrides };
    const file = path.join(tempDir('tunnel-device-'), 'config.json');
    writeFileSync(file, JSON.stringify(config));
    return { uuid: config.uuid, file };
  }

  async devices(): Promise<Map<string, ListedDevice>> {
    const r = await this.admin(['device', 'list', '--json']);
    if (r.code !== 0) throw new Error(`device list failed: ${r.stderr}`);
    return new Map((JSON.parse(r.stdout) as ListedDevice[]).map((d) => [d.name, d]));
  }

  /** For eventually(): the device when it is connected to `nodeId`. */
  connectedTo(name: string, nodeId: string): () => Promise<ListedDevice | undefined> {
    return async () => {
      const d = (await this.devices()).get(name);
      return d?.vpn.connected === true && d.vpn.nodeId === nodeId ? d : undefined;
    };
  }
}

/**
 * A suite's cluster: fresh stores and one trust directory before its tests; every process and the
 * stores gone after them. Filled in place, so tests read `.cluster` once the suite has started.
 */
export function useCluster(): { readonly cluster: ClusterNodes } {
  const suite = {} as { cluster: ClusterNodes };
  let stores: ClusterStores | undefined;
  before(async () => {
    stores = await createClusterStores();
    suite.cluster = await ClusterNodes.create(stores);
  });
  after(async () => {
    await cleanup();
    await stores?.drop();
  });
  return suite;
}
