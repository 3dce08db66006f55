import { expect } from 'chai';
import { useCluster } from './support/cluster-nodes.js';
import { eventually, FAST_AGENT_ARGS, startAgent } from './support/fixtures.js';

describe('moving devices between cluster nodes: endpoint lists and paced drains (real processes)', function () {
  this.timeout(180_000);
  const suite = useCluster();

  it('comes up on the other node when the one it is on is killed, and back when that one dies too', async () => {
    const node1 = await suite.cluster.start('node-1');
    const node2 = await suite.cluster.start('node-2');
    const device = await suite.cluster.addDevice('pi-failover', node1, { vpnEndpoints: [`127.0.0.1:${node1.port}`, `127.0.0.1:${node2.port}`] });
    const agent = startAgent(device.file, [...FAST_AGENT_ARGS, '--heartbeat-interval', '1s']);
    await eventually(suite.cluster.connectedTo('pi-failover', 'node-1'), 30_000, 'pi-failover on node-1');

    await node1.proc.kill('SIGKILL');
    const killedAt = Date.now();
    await eventually(suite.cluster.connectedTo('pi-failover', 'node-2'), 30_000, 'pi-failover on node-2 after node-1 died');
    // Heartbeats moved too: new ones arrive (only node-2 can take them now) and the device is
    // Online, not "VPN only" with its heartbeats lost on node-1.
    await eventually(async () => {
      const d = (await suite.cluster.devices()).get('pi-failover');
      return d?.status === 'online' && Date.parse(d.lastHeartbeatAt ?? '') > killedAt + 1_000 ? true : undefined;
    }, 30_000, 'pi-failover online with heartbeats after node-1 died');
    const dialled = agent.logs.filter((l) => l.msg === 'connecting').map((l) => l['endpoint']);
    expect(dialled).to.include(`127.0.0.1:${node2.port}`);

    // node-1 comes back on its port; node-2 dies: the agent goes round the list to node-1 again.
    const again = await suite.cluster.start('node-1', ['--port', String(node1.port)]);
    expect(again.port).to.equal(node1.port);
    await node2.proc.kill('SIGKILL');
    await eventually(suite.cluster.connectedTo('pi-failover', 'node-1'), 30_000, 'pi-failover back on node-1');
  });

  it('a node drained with --drain-window hands its devices to the other node one by one over the window, not in one burst', async () => {
    const windowMs = 6_000;
    const draining = await suite.cluster.start('node-a', ['--drain-window', `${windowMs}ms`, '--drain-spread', '500ms']);
    const other = await suite.cluster.start('node-b');
    const names = ['pi-a', 'pi-b', 'pi-c', 'pi-d', 'pi-e'];
    const agents = [];
    for (const name of names) {
      const device = await suite.cluster.addDevice(name, draining, { vpnEndpoints: [`127.0.0.1:${draining.port}`, `127.0.0.1:${other.port}`] });
      agents.push(startAgent(device.file, [...FAST_AGENT_ARGS, '--no-heartbeat']));
    }
    for (const name of names) await eventually(suite.cluster.connectedTo(name, 'node-a'), 60_000, `${name} on node-a`);

    const from = agents.map((a) => a.logs.length);
    // When each agent hears its session end, as the test sees it (all watched at once).
    const disconnectedAt = Promise.all(agents.map((a, i) => a.waitForLog((l) => l.msg === 'disconnected', 60_000, from[i]).then((l) => ({ at: Date.now(), closeCode: l['closeCode'] }))));
    const stopped = draining.proc.kill('SIGTERM');
    const ends = await disconnectedAt;
    expect(ends.map((e) => e.closeCode)).to.deep.equal(names.map(() => 1012));
    const times = ends.map((e) => e.at).sort((a, b) => a - b);
    const first = times[0]!;
    // Evenly paced, the last one leaves 4/5 of the window after the first. Load only delays turns,
    // so assert loosely: not all in the first 10% of the window, and spread over at least 30% of it.
    expect(times.filter((t) => t - first <= windowMs * 0.1).length, `disconnect offsets ${times.map((t) => t - first).join(', ')} ms`).to.be.lessThan(names.length);
    expect(times[times.length - 1]! - first).to.be.at.least(windowMs * 0.3);
    expect((await stopped).code).to.equal(0);
    const draininglog = draining.proc.logs.find((l) => l.msg === 'draining');
    expect(draininglog).to.deep.include({ devices: names.length, windowMs });
    for (const name of names) await eventually(suite.cluster.connectedTo(name, 'node-b'), 60_000, `${name} on node-b after the drain`);
  });
});
