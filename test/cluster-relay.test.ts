import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { Redis } from 'ioredis';
import { createDevCa, createServerCertificate } from '@tunnel/protocol/dev-pki';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { connectVia } from './support/connect-client.js';
import { createClusterStores, startFrontDoor, type ClusterStores, type FrontDoor } from './support/cluster.js';
import { apiGet, startTunnel, type UserHandle } from './support/developer.js';
import { eventually, FAST_AGENT_ARGS, startAgent, startServer, type DeviceConfigJson, type ServerHandle } from './support/fixtures.js';
import { BANNER, bannerService, openLive } from './support/live-streams.js';
import { cleanupServers, connectUntilClosed, exchange, countingReplier, freePort, hashUntilEnd, noise, tcpServer } from './support/network.js';
import { cleanup, run, SERVER_CLI, tempDir, type Proc } from './support/processes.js';
import { runProgram } from './support/programs.js';
import { startSshd } from './support/sshd.js';

const MiB = 1024 * 1024;

interface OverviewStream {
  user: string;
  via: string;
  target: string;
  node: string;
  bytesUp: number;
  bytesDown: number;
}

interface DeviceState {
  status: string;
  vpn: { connected: boolean; nodeId: string | null; sessionId: string | null };
}

/** The line the CLI printed for its connection #n, once it is there. */
function connectionLine(tunnel: Proc, n: number, what: 'failed' | 'closed'): Promise<string> {
  return tunnel.waitForStdout(new RegExp(`Connection #${n}\\b[^\\n]*${what}[^\\n]*`), 60_000);
}

describe('cluster: streams relayed to the node that holds the device (three real nodes, PostgreSQL, Redis)', function () {
  this.timeout(300_000);
  let stores: ClusterStores;
  let trust: string;
  const nodes: ServerHandle[] = [];
  /** The device's load balancer: node 1 first. */
  let door: FrontDoor;
  let device: { uuid: string; file: string };
  let token: string;
  /** A device-side service that answers with what it received. */
  let replier: { port: number };

  const clusterEnv = (): NodeJS.ProcessEnv => ({ TUNNEL_REGISTRY: stores.registryUrl, TUNNEL_PRESENCE: stores.presenceUrl });
  const node = (n: 1 | 2 | 3): ServerHandle => nodes[n - 1] as ServerHandle;

  /** An admin command run on a node's machine, with the cluster's URLs from its environment. */
  async function admin(on: ServerHandle, args: string[]): Promise<string> {
    const r = await run(SERVER_CLI, [...args, '--data', on.dataDir], { env: clusterEnv() });
    expect(r.code, r.stderr).to.equal(0);
    return r.stdout;
  }

  async function startNode(nodeId: string): Promise<ServerHandle> {
    const dataDir = tempDir(`tunnel-${nodeId}-`);
    cpSync(trust, dataDir, { recursive: true });
    const args = ['--node-id', nodeId, '--cluster-listen', '127.0.0.1:0', '--keepalive-interval', '1s', '--keepalive-timeout', '3s', '--drain-grace', '1s', '--drain-spread', '1s'];
    return startServer({ dataDir, args, env: clusterEnv() });
  }

  /** A developer whose CLI talks to `to`. */
  function developer(to: ServerHandle, userToken: string, name = 'dev'): UserHandle {
    const caFile = path.join(trust, 'ca.pem');
    return { name, token: userToken, caFile, env: { TUNNEL_SERVER: `https://127.0.0.1:${to.port}`, TUNNEL_TOKEN: userToken, TUNNEL_CA: caFile, XDG_CONFIG_HOME: tempDir('tunnel-xdg-') } };
  }

  async function stateFrom(on: ServerHandle): Promise<DeviceState> {
    const r = await run(SERVER_CLI, ['device', 'list', '--json', '--data', on.dataDir], { env: clusterEnv() });
    expect(r.code, r.stderr).to.equal(0);
    const found = (JSON.parse(r.stdout) as (DeviceState & { uuid: string })[]).find((d) => d.uuid === device.uuid);
    if (found === undefined) throw new Error('the device is not listed');
    return found;
  }

  const onlineOn = (nodeId: string, from: ServerHandle = node(2)) => async () => {
    const s = await stateFrom(from);
    return s.status === 'online' && s.vpn.nodeId === nodeId ? s : undefined;
  };

  before(async () => {
    stores = await createClusterStores();
    trust = tempDir('tunnel-trust-');
    const made = await run(SERVER_CLI, ['init', '--data', trust]);
    expect(made.code, made.stderr).to.equal(0);
    for (const id of ['node-1', 'node-2', 'node-3']) nodes.push(await startNode(id));
    for (const n of nodes) expect(n.proc.logs.find((l) => l.msg === 'tunnel server listening')?.['link']).to.match(/^127\.0\.0\.1:\d+$/);
    door = await startFrontDoor(node(1).port);
    token = (await admin(node(3), ['user', 'add', 'dev', '--role', 'admin'])).trim();
    const added = JSON.parse(await admin(node(3), ['device', 'add', '--name', 'pi-1', '--endpoint', `127.0.0.1:${door.port}`])) as DeviceConfigJson;
    device = { uuid: added.uuid, file: path.join(tempDir('tunnel-device-'), 'config.json') };
    writeFileSync(device.file, JSON.stringify(added));
    replier = await tcpServer('127.0.0.1', countingReplier);
    startAgent(device.file, [...FAST_AGENT_ARGS, '--heartbeat-interval', '1s']);
    await eventually(onlineOn('node-1'), 30_000, 'pi-1 online on node-1');
  });

  after(async () => {
    await cleanup();
    await cleanupServers();
    await door?.close();
    await stores?.drop();
  });

  it('carries 64 MiB each way byte-identical from a developer on node 2 to the device on node 1', async () => {
    // Down: the device's service sends 64 MiB of noise. Up: it hashes what it gets and answers with the digest.
    let sent = '';
    const source = await tcpServer('127.0.0.1', (socket) => {
      const { stream, digest } = noise(64 * MiB);
      void pipeline(stream, socket).then(() => (sent = digest()), () => undefined);
    });
    const sink = await tcpServer('127.0.0.1', (socket) => {
      const hash = createHash('sha256');
      socket.on('data', (c: Buffer) => hash.update(c));
      socket.once('end', () => socket.end(hash.digest('hex')));
    });
    const [lDown, lUp] = [await freePort(), await freePort()];
    const tunnel = await startTunnel(developer(node(2), token), device.uuid, ['-p', `${source.port}:${lDown}`, '-p', `${sink.port}:${lUp}`]);

    const down = await hashUntilEnd(net.connect(lDown, '127.0.0.1'));
    expect(down.bytes).to.equal(64 * MiB);
    expect(down.sha256).to.equal(sent);

    const up = net.connect(lUp, '127.0.0.1');
    let answer = '';
    up.on('data', (c: Buffer) => (answer += c.toString()));
    const answered = new Promise((resolve) => up.once('end', resolve));
    const { stream, digest } = noise(64 * MiB);
    await pipeline(stream, up, { end: true }).catch(() => undefined);
    await answered;
    expect(answer).to.equal(digest());
    await tunnel.kill();

    // One link per node pair, reused: node 2 dialled node 1 once for both streams.
    expect(node(2).proc.logs.filter((l) => l.msg === 'cluster link up' && l['nodeId'] === 'node-1')).to.have.length(1);
  });

  it("lists a relayed stream once, with its user, target, bytes and node, on the device page of every node", async () => {
    const service = await bannerService();
    const local = await freePort();
    const tunnel = await startTunnel(developer(node(2), token), device.uuid, ['-p', `${service.port}:${local}`]);
    const socket = net.connect({ host: '127.0.0.1', port: local });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.on('data', (c: Buffer) => c.toString().includes(BANNER) && resolve()));
    socket.write('u'.repeat(1000));

    const overview = async (on: ServerHandle): Promise<{ streams: OverviewStream[]; streamsNote?: string }> => {
      const r = await apiGet(on, `/v1/devices/${device.uuid}/overview`, token);
      expect(r.status, r.text).to.equal(200);
      return JSON.parse(r.text) as { streams: OverviewStream[]; streamsNote?: string };
    };
    const streamsOn = (on: ServerHandle) => async () => {
      const body = await overview(on);
      expect(body.streamsNote, 'every node answered').to.equal(undefined);
      return body.streams[0]?.bytesUp === 1000 ? body.streams : undefined;
    };
    // Node 1 holds the device but only carries the bytes; node 3 has nothing to do with the stream.
    for (const n of [1, 2, 3] as const) {
      const streams = await eventually(streamsOn(node(n)), 30_000, `the stream with its bytes on node ${n}'s device page`);
      expect(streams, `node ${n}`).to.have.length(1);
      expect(streams[0]).to.include({ user: 'dev', via: 'tunnel', target: `127.0.0.1:${service.port}`, node: 'node-2', bytesUp: 1000, bytesDown: BANNER.length });
    }

    // A node that does not answer leaves the page with what the others said, and a note naming it.
    process.kill(node(2).proc.pid, 'SIGSTOP');
    try {
      const body = await overview(node(3));
      expect(body.streams).to.deep.equal([]);
      expect(body.streamsNote).to.contain('node node-2').and.contain('did not answer');
    } finally {
      process.kill(node(2).proc.pid, 'SIGCONT');
    }
    socket.destroy();
    await tunnel.kill();
    await eventually(async () => ((await overview(node(3))).streams.length === 0 ? true : undefined), 30_000, 'the stream gone from the page once closed');
  });

  it('runs ssh through the hop: a developer on node 2, the device sshd behind node 1', async () => {
    const sshd = await startSshd();
    const local = await freePort();
    const tunnel = await startTunnel(developer(node(2), token), device.uuid, ['-p', `${sshd.port}:${local}`]);
    const ssh = await runProgram('ssh', [...sshd.clientOptions, '-p', String(local), `${sshd.user}@127.0.0.1`, 'echo through-the-hop; uname -n']);
    expect(ssh.code, ssh.stderr).to.equal(0);
    expect(ssh.stdout).to.contain('through-the-hop');
    await tunnel.kill();
    await sshd.proc.kill();
  });

  it('takes links only from peers holding the cluster CA and a link certificate of their own', async () => {
    const linkPort = Number(String(node(1).proc.logs.find((l) => l.msg === 'tunnel server listening')?.['link']).split(':')[1]);
    const ca = readFileSync(path.join(trust, 'ca.pem'), 'utf8');
    const other = await createDevCa({ commonName: 'Some other CA' });
    const fromOtherCa = await createServerCertificate(other, { commonName: 'tunnel-cluster-node:node-2', clientAuth: true });
    // Issued by the cluster CA, but no link certificate (no node name): what the public listener uses.
    const notALink = await createServerCertificate({ certificatePem: ca, privateKeyPem: readFileSync(path.join(trust, 'ca.key'), 'utf8') }, { commonName: 'localhost', clientAuth: true });
    const attempts: [string, { cert?: string; key?: string }][] = [
      ['no client certificate', {}],
      ['a certificate of another CA', { cert: fromOtherCa.certificatePem, key: fromOtherCa.privateKeyPem }],
      ['a cluster CA certificate that names no node', { cert: notALink.certificatePem, key: notALink.privateKeyPem }],
    ];
    const from = node(1).proc.logs.length;
    for (const [what, credentials] of attempts) {
      // The node hangs up on each (in TLS 1.3 it judges the client's certificate after the client's Finished).
      const ended = await new Promise<boolean>((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port: linkPort, ca, ...credentials, checkServerIdentity: () => undefined });
        socket.on('error', () => undefined);
        socket.once('close', () => resolve(true));
        setTimeout(() => resolve(false), 15_000).unref();
      });
      expect(ended, `${what}: the node hung up`).to.equal(true);
    }
    const refusals = await eventually(() => {
      const lines = node(1).proc.logs.slice(from).filter((l) => String(l.msg).startsWith('cluster link refused'));
      return lines.length >= 3 ? lines : undefined;
    }, 10_000, 'three refusals logged');
    expect(refusals.filter((l) => l.msg === 'cluster link refused: TLS handshake failed')).to.have.length(2);
    expect(JSON.stringify(refusals.find((l) => l.msg === 'cluster link refused'))).to.contain('is not a cluster link certificate');
    expect(node(1).proc.logs.slice(from).some((l) => l.msg === 'cluster link up')).to.equal(false);
  });

  it('refuses --cluster-listen without the cluster presence, and a wildcard address without --cluster-advertise', async () => {
    const dataDir = tempDir('tunnel-node-');
    cpSync(trust, dataDir, { recursive: true });
    const base = ['start', '--data', dataDir, '--host', '127.0.0.1', '--port', '0', '--registry', stores.registryUrl];
    const alone = await run(SERVER_CLI, [...base, '--cluster-listen', '127.0.0.1:0']);
    expect(alone.code).to.equal(1);
    expect(alone.stderr).to.contain('ERR_CLUSTER_LINK_SETTINGS').and.contain('--presence');
    const wildcard = await run(SERVER_CLI, [...base, '--presence', stores.presenceUrl, '--cluster-listen', '0.0.0.0:0', '--node-id', 'node-x']);
    expect(wildcard.code).to.equal(1);
    expect(wildcard.stderr).to.contain('ERR_CLUSTER_LINK_SETTINGS').and.contain('--cluster-advertise');
  });

  it('gives the same precise result across the hop as on the node that holds the device', async () => {
    const closed = await freePort();
    const [lLocal, lRelayed] = [await freePort(), await freePort()];
    const local = await startTunnel(developer(node(1), token), device.uuid, ['-p', `${closed}:${lLocal}`]);
    const relayed = await startTunnel(developer(node(2), token), device.uuid, ['-p', `${closed}:${lRelayed}`]);
    await Promise.all([connectUntilClosed(lLocal), connectUntilClosed(lRelayed)]);
    const expected = `failed: connection refused on the device (connection refused by 127.0.0.1:${closed} on the device: nothing is listening on that port) [ERR_OPEN_CONNECTION_REFUSED]`;
    expect(await connectionLine(local, 1, 'failed')).to.contain(expected);
    expect(await connectionLine(relayed, 1, 'failed')).to.contain(expected);
    await Promise.all([local.kill(), relayed.kill()]);

    // A device that never connected, and one nobody registered, asked of node 2.
    const idle = JSON.parse(await admin(node(3), ['device', 'add', '--name', 'pi-idle', '--endpoint', `127.0.0.1:${door.port}`])) as DeviceConfigJson;
    const offline = await connectVia(node(2).port, path.join(trust, 'ca.pem'), `${idle.uuid}.balena:22222`, { token });
    expect(offline.status).to.equal(503);
    expect(offline.rest.toString()).to.contain('ERR_OPEN_DEVICE_OFFLINE').and.contain('is offline (it has never connected)');
    const unknown = await connectVia(node(2).port, path.join(trust, 'ca.pem'), `${'f'.repeat(32)}.balena:22222`, { token });
    expect(unknown.rest.toString()).to.contain('ERR_OPEN_UNKNOWN_DEVICE');

    // A stale presence entry: pi-idle "on node 3", which holds no session for it. Node 3 answers
    // offline from its own sessions and never relays the request on.
    const presenceUrl = new URL(stores.presenceUrl);
    const prefix = presenceUrl.searchParams.get('prefix') ?? '';
    presenceUrl.search = '';
    const redis = new Redis(presenceUrl.toString());
    try {
      await redis.hset(`${prefix}sess:${idle.uuid}`, 'session', 'stale-session', 'node', 'node-3', 'epoch', '1');
    } finally {
      redis.disconnect();
    }
    const stale = await connectVia(node(2).port, path.join(trust, 'ca.pem'), `${idle.uuid}.balena:22222`, { token });
    expect(stale.status).to.equal(503);
    expect(stale.rest.toString()).to.contain('ERR_OPEN_DEVICE_OFFLINE').and.contain(`is no longer connected to node node-3`);
  });

  it("cuts a user's relayed stream on node 2 within seconds when the user is removed on node 3", async () => {
    const service = await bannerService();
    const tempToken = (await admin(node(3), ['user', 'add', 'temp', '--role', 'admin'])).trim();
    const live = await openLive('tunnel', node(2), developer(node(2), tempToken, 'temp'), device.uuid, service.port);
    const removedAt = Date.now();
    const from = node(2).proc.logs.length;
    await admin(node(3), ['user', 'rm', 'temp']);
    await live.closed;
    expect(Date.now() - removedAt).to.be.lessThan(10_000);
    // Node 2 heard of it over Redis pub/sub, not only through its once-a-second poll.
    await node(2).proc.waitForLog((l) => l.msg === 'access withdrawn in the cluster: re-checking live streams' && l['reason'] === 'user temp removed', 10_000, from);
    expect(node(2).proc.logs.slice(from).some((l) => l.msg === 'access ended: closing a live stream' && l['user'] === 'temp')).to.equal(true);
    await eventually(() => (service.held() === 0 ? true : undefined), 10_000, 'the device side of the stream closed');
    await live.proc?.kill();
  });

  it('ends twenty rapid reconnects alternating between nodes 1 and 3 Online on the last node, seen alike from every node', async () => {
    let last = 'node-1';
    for (let i = 0; i < 20; i += 1) {
      const [to, id] = i % 2 === 0 ? [node(3), 'node-3'] : [node(1), 'node-1'];
      const from = to.proc.logs.length;
      door.target = to.port;
      door.dropAll();
      await to.proc.waitForLog((l) => l.msg === 'device connected' && l['uuid'] === device.uuid, 30_000, from);
      last = id;
    }
    for (const n of nodes) await eventually(onlineOn(last, n), 30_000, `online on ${last} as node ${n.port} sees it`);
    // And the relay follows: node 2 reaches the device on its newest node.
    const local = await freePort();
    const tunnel = await startTunnel(developer(node(2), token), device.uuid, ['-p', `${replier.port}:${local}`]);
    expect(await exchange(local, 'after the storm')).to.match(/^got 15 bytes/);
    await tunnel.kill();
  });

  it("recovers a developer's device tunnel on node 2 without restart after kill -9 of the device's node", async () => {
    door.target = node(1).port;
    door.dropAll();
    await eventually(onlineOn('node-1'), 30_000, 'pi-1 back on node-1');
    const local = await freePort();
    const tunnel = await startTunnel(developer(node(2), token), device.uuid, ['-p', `${replier.port}:${local}`]);
    expect(await exchange(local, 'before')).to.match(/^got 6 bytes/);

    door.target = node(3).port;
    await node(1).proc.kill('SIGKILL');
    await eventually(onlineOn('node-3'), 30_000, 'pi-1 online on node-3 after node-1 died');
    // The same tunnel process, never restarted, reaches the device through its new node.
    await eventually(async () => ((await exchange(local, 'after').catch(() => '')).startsWith('got 5 bytes') ? true : undefined), 30_000, 'the tunnel works again');
    expect(tunnel.alive).to.equal(true);
    await tunnel.kill();
  });
});
