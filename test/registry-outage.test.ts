import { expect } from 'chai';
import net from 'node:net';
import path from 'node:path';
import { connectVia, type ConnectAnswer } from './support/connect-client.js';
import { createClusterStores, type ClusterStores } from './support/cluster.js';
import { ClusterNodes } from './support/cluster-nodes.js';
import { eventually, FAST_AGENT_ARGS, startAgent, type ServerHandle } from './support/fixtures.js';
import { tcpServer } from './support/network.js';
import { PrivatePostgres } from './support/private-postgres.js';
import { cleanup, logErr } from './support/processes.js';

/** Writes a line on an open stream and reads the echo back. */
function echo(socket: net.Socket | ConnectAnswer['socket'], text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let got = '';
    const onData = (d: Buffer): void => {
      got += d.toString();
      if (got.length >= text.length) {
        socket.off('data', onData);
        resolve(got);
      }
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.write(text);
  });
}

describe('PostgreSQL stopped mid-run: connected devices keep working, new connections are told why (real processes, a private PostgreSQL)', function () {
  this.timeout(180_000);
  let db: PrivatePostgres;
  let stores: ClusterStores;
  let cluster: ClusterNodes;
  let node: ServerHandle;

  before(async () => {
    db = await PrivatePostgres.start();
    stores = await createClusterStores();
    cluster = await ClusterNodes.create({ ...stores, registryUrl: db.url });
    node = await cluster.start('node-pg');
  });
  after(async () => {
    await cleanup();
    await db?.stop('immediate');
    await stores?.drop();
  });

  it('keeps the device and its live stream up, refuses new ones naming the registry, and recovers when PostgreSQL is back', async () => {
    const ca = path.join(cluster.trust, 'ca.pem');
    const user = await cluster.admin(['user', 'add', 'ops', '--role', 'admin']);
    expect(user.code, user.stderr).to.equal(0);
    const token = user.stdout.trim();
    const up = await cluster.addDevice('pi-up', node);
    const late = await cluster.addDevice('pi-late', node);
    const agent = startAgent(up.file, [...FAST_AGENT_ARGS, '--no-heartbeat']);
    await eventually(cluster.connectedTo('pi-up', 'node-pg'), 30_000, 'pi-up connected');
    const target = await tcpServer('127.0.0.1', (s) => s.pipe(s));
    const live = await connectVia(node.port, ca, `${up.uuid}.balena:${target.port}`, { token });
    expect(live.status).to.equal(200);
    expect(await echo(live.socket, 'before')).to.equal('before');

    await db.stop('fast');
    const agentLogs = agent.logs.length;

    // The live stream goes on, and the device session outlives several keepalive timeouts (3 s).
    expect(await echo(live.socket, 'during the outage')).to.equal('during the outage');
    await new Promise((r) => setTimeout(r, 5_000));
    expect(await echo(live.socket, 'still during the outage')).to.equal('still during the outage');
    expect(agent.logs.slice(agentLogs).filter((l) => l.msg === 'disconnected')).to.deep.equal([]);

    // A new developer connection is refused with the reason and a hint to retry, not a bare 500.
    const refused = await connectVia(node.port, ca, `${up.uuid}.balena:${target.port}`, { token });
    expect(refused.status).to.equal(503);
    expect(refused.headers['retry-after']).to.match(/^\d+$/);
    const body = JSON.parse(refused.rest.toString()) as { error: { code: string; message: string } };
    expect(body.error.code).to.equal('ERR_REGISTRY_UNREACHABLE');
    expect(body.error.message).to.contain('cannot reach its registry (PostgreSQL)').and.to.contain('connections already open keep working');
    expect(body.error.message, 'the database address stays in the server log').not.to.contain(String(db.port));
    // A device connecting now is refused too, and its agent says why (and keeps retrying).
    const lateAgent = startAgent(late.file, [...FAST_AGENT_ARGS, '--no-heartbeat']);
    const failed = await lateAgent.waitForLog((l) => l.msg === 'connection failed', 30_000);
    expect(failed['code']).to.equal('ERR_AUTH_SERVER_UNAVAILABLE');
    expect(logErr(failed).message).to.contain('cannot reach its registry (PostgreSQL)');

    // Nothing was lost: once PostgreSQL is back the waiting device is let in and new streams open.
    await db.begin();
    await eventually(cluster.connectedTo('pi-late', 'node-pg'), 60_000, 'pi-late connected once PostgreSQL is back');
    const again = await connectVia(node.port, ca, `${up.uuid}.balena:${target.port}`, { token });
    expect(again.status).to.equal(200);
    again.socket.destroy();
    live.socket.destroy();
  });
});
