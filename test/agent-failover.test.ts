import { expect } from 'chai';
import { createClusterStores, type ClusterStores } from './support/cluster.js';
import { ClusterNodes } from './support/cluster-nodes.js';
import { eventually, FAST_AGENT_ARGS, startAgent } from './support/fixtures.js';
import { cleanup } from './support/processes.js';

describe('device agent with a list of server endpoints: fails over between cluster nodes (real processes)', function () {
  this.timeout(180_000);
  let stores: ClusterStores;
  let cluster: ClusterNodes;

  before(async () => {
    stores = await createClusterStores();
    cluster = await ClusterNodes.create(stores);
  });
  after(async () => {
    await cleanup();
    await stores?.drop();
  });

  it('comes up on the other node when the one it is on is killed, and back when that one dies too', async () => {
    const node1 = await cluster.start('node-1');
    const node2 = await cluster.start('node-2');
    const device = await cluster.addDevice('pi-failover', node1, { vpnEndpoints: [`127.0.0.1:${node1.port}`, `127.0.0.1:${node2.port}`] });
    const agent = startAgent(device.file, [...FAST_AGENT_ARGS, '--no-heartbeat']);
    await eventually(cluster.connectedTo('pi-failover', 'node-1'), 30_000, 'pi-failover on node-1');

    await node1.proc.kill('SIGKILL');
    await eventually(cluster.connectedTo('pi-failover', 'node-2'), 30_000, 'pi-failover on node-2 after node-1 died');
    const dialled = agent.logs.filter((l) => l.msg === 'connecting').map((l) => l['endpoint']);
    expect(dialled).to.include(`127.0.0.1:${node2.port}`);

    // node-1 comes back on its port; node-2 dies: the agent goes round the list to node-1 again.
    const again = await cluster.start('node-1', ['--port', String(node1.port)]);
    expect(again.port).to.equal(node1.port);
    await node2.proc.kill('SIGKILL');
    await eventually(cluster.connectedTo('pi-failover', 'node-1'), 30_000, 'pi-failover back on node-1');
  });
});
