import { expect } from 'chai';
import { cpSync, existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { connectVia } from './support/connect-client.js';
import type { ClusterStores } from './support/cluster.js';
import { useCluster } from './support/cluster-nodes.js';
import { eventually, FAST_AGENT_ARGS, startAgent, startServer, type DeviceConfigJson, type ServerHandle } from './support/fixtures.js';
import { run, SERVER_CLI, tempDir } from './support/processes.js';

interface ListedDevice {
  uuid: string;
  name: string;
  status: string;
  vpn: { connected: boolean; nodeId: string | null };
}

describe('cluster: two server nodes on one PostgreSQL registry and one Redis presence (real processes)', function () {
  this.timeout(180_000);
  const suite = useCluster();
  /** Admin commands run here: a directory with nothing in it, as on an operator's laptop. */
  let elsewhere: string;
  before(() => (elsewhere = tempDir('tunnel-admin-')));
  /** The cluster's shared stores, and its CA and identity key (made once, copied to each node and admin machine). */
  const stores = (): ClusterStores => suite.cluster.stores;
  const trust = (): string => suite.cluster.trust;

  /** The URLs come from the environment, as an operator would export them once. */
  const clusterEnv = (): NodeJS.ProcessEnv => ({ TUNNEL_REGISTRY: stores().registryUrl, TUNNEL_PRESENCE: stores().presenceUrl });

  async function admin(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
    return run(SERVER_CLI, args, { cwd: elsewhere, env: clusterEnv() });
  }

  /** A node with its own copy of the trust directory; the URLs from the environment, or from a config file. */
  async function startNode(nodeId: string, via: 'env' | 'config-file'): Promise<ServerHandle> {
    const dataDir = tempDir(`tunnel-${nodeId}-`);
    cpSync(trust(), dataDir, { recursive: true });
    const args = ['--node-id', nodeId, '--keepalive-interval', '1s', '--keepalive-timeout', '3s', '--drain-grace', '1s', '--drain-spread', '1s'];
    if (via === 'env') return startServer({ dataDir, args, env: clusterEnv() });
    const config = path.join(dataDir, 'server.json');
    writeFileSync(config, JSON.stringify({ registry: stores().registryUrl, presence: stores().presenceUrl }));
    return startServer({ dataDir, args: [...args, '--config', config] });
  }

  async function addDevice(name: string, node: ServerHandle): Promise<{ uuid: string; file: string }> {
    const r = await admin(['device', 'add', '--data', trust(), '--name', name, '--endpoint', `127.0.0.1:${node.port}`]);
    expect(r.code, r.stderr).to.equal(0);
    const config = JSON.parse(r.stdout) as DeviceConfigJson;
    const file = path.join(tempDir('tunnel-device-'), 'config.json');
    writeFileSync(file, JSON.stringify(config));
    return { uuid: config.uuid, file };
  }

  async function listed(): Promise<Map<string, ListedDevice>> {
    const r = await admin(['device', 'list', '--json']);
    expect(r.code, r.stderr).to.equal(0);
    return new Map((JSON.parse(r.stdout) as ListedDevice[]).map((d) => [d.name, d]));
  }

  const statusIs = (name: string, status: string, nodeId: string | null) => async () => {
    const d = (await listed()).get(name);
    return d?.status === status && d.vpn.nodeId === nodeId ? d : undefined;
  };

  it('refuses device add without the cluster trust instead of making a new data directory', async () => {
    const r = await admin(['device', 'add', '--endpoint', '127.0.0.1:443']);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('ERR_DATA_IDENTITY_MISSING').and.to.contain('tunnel-server init --data');
    expect(existsSync(path.join(elsewhere, 'data'))).to.equal(false);
  });

  it('refuses to start a node whose registry or presence does not answer, naming the setting', async () => {
    const dataDir = tempDir('tunnel-node-');
    cpSync(trust(), dataDir, { recursive: true });
    const base = ['start', '--data', dataDir, '--host', '127.0.0.1', '--port', '0'];
    // Port 1 on loopback: nothing listens there.
    const noDb = await run(SERVER_CLI, [...base, '--registry', 'postgres://postgres@127.0.0.1:1/test', '--presence', stores().presenceUrl]);
    expect(noDb.code).to.equal(1);
    expect(noDb.stderr).to.contain('ERR_REGISTRY_UNREACHABLE').and.to.contain('--registry');
    const noRedis = await run(SERVER_CLI, [...base, '--registry', stores().registryUrl, '--presence', 'redis://127.0.0.1:1']);
    expect(noRedis.code).to.equal(1);
    expect(noRedis.stderr).to.contain('ERR_PRESENCE_UNREACHABLE').and.to.contain('--presence');
  });

  it('shows a device on node 1 Online from anywhere, and Offline once node 1 dies or stops; admin commands work on the shared registry', async () => {
    const node1 = await startNode('node-1', 'env');
    const node2 = await startNode('node-2', 'config-file');

    const user = await admin(['user', 'add', 'ops', '--role', 'admin']);
    expect(user.code, user.stderr).to.equal(0);
    expect((await admin(['user', 'list', '--json'])).stdout).to.contain('"ops"');

    const onNode1 = await addDevice('pi-1', node1);
    const onNode2 = await addDevice('pi-2', node2);
    startAgent(onNode1.file, [...FAST_AGENT_ARGS, '--heartbeat-interval', '1s']);
    startAgent(onNode2.file, [...FAST_AGENT_ARGS, '--heartbeat-interval', '1s']);

    await eventually(statusIs('pi-1', 'online', 'node-1'), 30_000, 'pi-1 online on node-1');
    await eventually(statusIs('pi-2', 'online', 'node-2'), 30_000, 'pi-2 online on node-2');

    // A stream asked of node 2 for the device on node 1 is refused with where the device is.
    const token = user.stdout.trim();
    const refused = await connectVia(node2.port, path.join(trust(), 'ca.pem'), `${onNode1.uuid}.balena:22222`, { token });
    expect(refused.status).to.equal(503);
    expect(refused.rest.toString()).to.contain('connected to node node-1, not to this one');
    refused.socket.destroy();

    // Node 1 dies without a word: its liveness key lapses (keepalive timeout 3 s) and nothing
    // else refreshes pi-1's session; its heartbeats stop too. pi-2 on node 2 is unaffected.
    await node1.proc.kill('SIGKILL');
    await eventually(statusIs('pi-1', 'offline', null), 30_000, 'pi-1 offline after node-1 died');
    expect((await listed()).get('pi-2')).to.deep.include({ status: 'online' });

    // A graceful stop ends node 2's sessions at once.
    await node2.proc.kill('SIGTERM');
    await eventually(async () => ((await listed()).get('pi-2')?.vpn.connected === false ? true : undefined), 30_000, 'pi-2 disconnected');
    await eventually(statusIs('pi-2', 'offline', null), 30_000, 'pi-2 offline after node-2 stopped');
  });
});
