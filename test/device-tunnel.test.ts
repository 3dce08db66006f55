import { expect } from 'chai';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { auditLog } from './support/audit.js';
import { blackholePort } from './support/blackhole.js';
import { addUser, deviceReady, runClient, spawnClient, startTunnel, useWorld, WORLD_FLEET } from './support/developer.js';
import { addDevice, deviceList, eventually, FAST_AGENT_ARGS, startAgent } from './support/fixtures.js';
import { connectUntilClosed, countingReplier, exchange, freePort, Relay, tcpServer } from './support/network.js';
import { run, SERVER_CLI } from './support/processes.js';

/** The line the CLI printed for its connection #n, once it is there. */
async function connectionLine(tunnel: import('./support/processes.js').Proc, n: number, what: 'failed' | 'closed' | 'opened'): Promise<string> {
  const pattern = new RegExp(`Connection #${n}\\b[^\\n]*${what}[^\\n]*`);
  return tunnel.waitForStdout(pattern, 60_000);
}

describe('tunnel-client device tunnel: precise results for every connection', function () {
  this.timeout(240_000);
  let replier: { port: number };
  let gateway: { port: number };
  const world = useWorld(async () => {
    // The "LAN host" behind the gateway device is a second loopback address the device must be told it may reach.
    gateway = await tcpServer('127.0.0.2', countingReplier);
    replier = await tcpServer('127.0.0.1', countingReplier);
    return { agentArgs: ['--allow-target', `127.0.0.2:${gateway.port}`] };
  });

  it('forwards connections and reports each with bytes and duration', async () => {
    const local = await freePort();
    const tunnel = await startTunnel(world.user, 'pi-1', ['-p', `${replier.port}:${local}`]);
    expect(tunnel.stdout).to.contain(`Tunnel open: 127.0.0.1:${local} -> ${world.device.uuid.slice(0, 7)}:${replier.port}`);
    // Half-close end to end: the FIN after "x" reaches the device's server, whose answer still comes back.
    expect(await exchange(local, 'x')).to.match(/^got 1 bytes [0-9a-f]{64}$/);
    expect(await connectionLine(tunnel, 1, 'closed')).to.match(/Connection #1 closed: 1 B sent, 76 B received in [\d.]+ m?s/);
    await tunnel.kill();

    // Several mappings in one process, an IPv6 listener among them.
    const [v4, v6] = [await freePort(), await freePort('::1')];
    const both = await startTunnel(world.user, world.device.uuid, ['-p', `${replier.port}:127.0.0.1:${v4}`, '-p', `${replier.port}:[::1]:${v6}`]);
    expect(both.stdout).to.contain(`Tunnel open: [::1]:${v6} -> ${world.device.uuid.slice(0, 7)}:${replier.port}`);
    expect(await exchange(v6, 'six', '::1')).to.match(/^got 3 bytes/);
    expect(await exchange(v4, 'four')).to.match(/^got 4 bytes/);
    await both.kill();
  });

  it('reports connection refused, port not allowed, timed out and access denied, each as itself', async () => {
    const { user, device, server } = world;
    const closed = await freePort();
    const slow = await blackholePort();
    const [lClosed, lSlow, lDenied, lSupport] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
    const tunnel = await startTunnel(user, device.uuid.slice(0, 7), ['-p', `${closed}:${lClosed}`, '-p', `${slow}:${lSlow}`]);
    const notAllowed = await startTunnel(user, device.uuid, ['--target', '127.0.0.2', '-p', `${gateway.port + 1}:${lDenied}`]);
    const support = await addUser(server, 'helper', 'support');
    // Support may see the device (a grant on its ssh port) but not reach the port asked for.
    const granted = await run(SERVER_CLI, ['support', 'enable', '--device', 'pi-1', '--ports', '22222', '--duration', '1h', '--data', server.dataDir]);
    expect(granted.code, granted.stderr).to.equal(0);
    const denied = await startTunnel(support, 'pi-1', ['-p', `${replier.port}:${lSupport}`]);

    await Promise.all([connectUntilClosed(lClosed), connectUntilClosed(lSlow), connectUntilClosed(lDenied), connectUntilClosed(lSupport)]);
    expect(await connectionLine(tunnel, 1, 'failed')).to.contain(
      `failed: connection refused on the device (connection refused by 127.0.0.1:${closed} on the device: nothing is listening on that port) [ERR_OPEN_CONNECTION_REFUSED]`,
    );
    expect(await connectionLine(tunnel, 2, 'failed')).to.match(/failed: timed out \(connecting to 127\.0\.0\.1:\d+ on the device timed out after \d+ ms.*\) \[ERR_OPEN_TIMED_OUT\]/);
    expect(await connectionLine(notAllowed, 1, 'failed')).to.contain(`failed: port not allowed by the device (port not allowed by the device: 127.0.0.2:${gateway.port + 1}`).and.contain('[ERR_OPEN_PORT_NOT_ALLOWED]');
    expect(await connectionLine(denied, 1, 'failed')).to.match(new RegExp(`failed: access denied \\(access denied: support access to ${world.device.uuid.slice(0, 7)} \\(grant #\\d+\\) covers port 22222, not ${replier.port}`)).and.contain('[ERR_OPEN_ACCESS_DENIED]');
    const rows = await auditLog(server.dataDir);
    for (const result of ['connection-refused', 'timed-out', 'port-not-allowed', 'access-denied']) {
      expect(rows.map((r) => r.result), result).to.include(result);
    }
    for (const p of [tunnel, notAllowed, denied]) await p.kill();
  });

  it("reaches a host on the gateway device's network when its allowedTargets list it", async () => {
    const local = await freePort();
    const tunnel = await startTunnel(world.user, 'pi-1', ['--target', '127.0.0.2', '-p', `${gateway.port}:${local}`]);
    expect(tunnel.stdout).to.contain(`Tunnel open: 127.0.0.1:${local} -> ${world.device.uuid.slice(0, 7)} -> 127.0.0.2:${gateway.port}`);
    expect(await exchange(local, 'hello')).to.match(/^got 5 bytes/);
    // Without --target the same port means the device's own loopback, where nothing listens.
    const own = await startTunnel(world.user, 'pi-1', ['-p', `${gateway.port}:${await freePort()}`]);
    const ownPort = Number(/Tunnel open: 127\.0\.0\.1:(\d+)/.exec(own.stdout)![1]);
    await connectUntilClosed(ownPort);
    expect(await connectionLine(own, 1, 'failed')).to.contain('[ERR_OPEN_CONNECTION_REFUSED]');
    await Promise.all([tunnel.kill(), own.kill()]);
  });

  it('reports a device that went offline, keeps listening, and forwards again once it is back', async () => {
    const { server, device, user } = world;
    const local = await freePort();
    const tunnel = await startTunnel(user, 'pi-1', ['-p', `${replier.port}:${local}`]);
    await world.agent.kill('SIGTERM');
    await eventually(async () => ((await deviceList(server.dataDir)).find((d) => d.uuid === device.uuid)?.vpn.connected === false ? true : undefined));
    await connectUntilClosed(local);
    expect(await connectionLine(tunnel, 1, 'failed')).to.match(
      new RegExp(`failed: device offline \\(device ${device.uuid.slice(0, 7)} \\(pi-1\\) is offline \\(last seen \\d{4}-\\d\\d-\\d\\dT[^)]*ago\\)\\) \\[ERR_OPEN_DEVICE_OFFLINE\\]`),
    );
    const from = server.proc.logs.length;
    world.agent = startAgent(device.file, [...FAST_AGENT_ARGS, '--allow-target', `127.0.0.2:${gateway.port}`]);
    await deviceReady(server, device.uuid, from);
    expect(await exchange(local, 'again')).to.match(/^got 5 bytes/);
    await tunnel.kill();
  });

  it('fails at start on an offline or unknown device, a bad token or a bad mapping; --wait waits for an offline one', async () => {
    const { server, user } = world;
    const sleeper = await addDevice(server.dataDir, server.port, { name: 'sleeper', extraArgs: ['--fleet', WORLD_FLEET] });
    const offline = await runClient(user, ['device', 'tunnel', 'sleeper', '-p', `${replier.port}:${await freePort()}`]);
    expect(offline.code).to.equal(1);
    expect(offline.stderr).to.contain(`device ${sleeper.uuid.slice(0, 7)} (sleeper) is offline (never connected); start its agent, or add --wait`).and.contain('[ERR_DEVICE_OFFLINE]');

    const unknown = await runClient(user, ['device', 'tunnel', 'nosuch', '-p', '22222']);
    expect(unknown.code).to.equal(1);
    expect(unknown.stderr).to.contain('no device matches "nosuch"').and.contain('[ERR_UNKNOWN_DEVICE]');

    const badToken = await runClient(user, ['device', 'tunnel', 'pi-1', '-p', '22222'], { TUNNEL_TOKEN: 'tnl_not-a-real-token' });
    expect(badToken.code).to.equal(1);
    expect(badToken.stderr).to.contain('the API token is not valid').and.contain('[ERR_AUTH_BAD_TOKEN]');

    const badMapping = await runClient(user, ['device', 'tunnel', 'pi-1', '-p', '22222:4321:1:2']);
    expect(badMapping.code).to.equal(1);
    expect(badMapping.stderr).to.contain('invalid port mapping "22222:4321:1:2"');

    const local = await freePort();
    const waiting = spawnClient(user, ['device', 'tunnel', 'sleeper', '--wait', '-p', `${replier.port}:${local}`]);
    await waiting.waitForStdout('waiting for it to come online');
    const agent = startAgent(sleeper.file);
    await waiting.waitForStdout('Waiting for connections...', 60_000);
    await deviceReady(server, sleeper.uuid);
    expect(waiting.stdout).to.contain(`Device ${sleeper.uuid.slice(0, 7)} (sleeper) is online.\nTunnel open: 127.0.0.1:${local}`);
    expect(await exchange(local, 'zz')).to.match(/^got 2 bytes/);
    await Promise.all([waiting.kill(), agent.kill()]);
  });

  it('refuses the WebSocket upgrade and the API with 401 and a stable code before anything else happens', async () => {
    const { server, user } = world;
    const ca = readFileSync(user.caFile, 'utf8');
    const ask = (path: string, headers: Record<string, string>): Promise<{ status: number; body: { error?: { code: string } } }> =>
      new Promise((resolve, reject) => {
        const req = https.request({ host: '127.0.0.1', port: server.port, path, ca, servername: 'localhost', headers }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as { error?: { code: string } } }));
        });
        req.on('error', reject);
        req.end();
      });
    const upgrade = { connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==' };
    expect(await ask('/v1/user/connect', upgrade)).to.deep.include({ status: 401, body: { error: { code: 'ERR_AUTH_MISSING_TOKEN', message: 'no API token given; send it as `Authorization: Bearer <token>` (tunnel-client login stores it)' } } });
    const bad = await ask('/v1/user/connect', { ...upgrade, authorization: 'Bearer tnl_nope' });
    expect([bad.status, bad.body.error?.code]).to.deep.equal([401, 'ERR_AUTH_BAD_TOKEN']);
    const api = await ask('/v1/devices/pi-1', { authorization: 'Bearer tnl_nope' });
    expect([api.status, api.body.error?.code]).to.deep.equal([401, 'ERR_AUTH_BAD_TOKEN']);
    // A client that resets while its bad token is being answered (slowly, on purpose) harms nobody.
    for (const request of [`GET /v1/user/connect HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${upgrade['sec-websocket-key']}\r\nAuthorization: Bearer tnl_nope\r\n\r\n`, 'CONNECT pi-1.balena:22 HTTP/1.1\r\nProxy-Authorization: Basic eDp0bmxfbm9wZQ==\r\n\r\n']) {
      const tcp = net.connect(server.port, '127.0.0.1');
      const socket = tls.connect({ socket: tcp, ca, servername: 'localhost' });
      await new Promise((resolve) => socket.once('secureConnect', resolve));
      socket.write(request);
      await new Promise((r) => setTimeout(r, 200));
      tcp.resetAndDestroy();
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(server.proc.alive).to.equal(true);
    const ok = await ask('/v1/devices/pi-1', { authorization: `Bearer ${user.token}` });
    expect(ok.status).to.equal(200);
    expect(ok.body).to.include({ name: 'pi-1', uuid: world.device.uuid });
  });

  it('reports a listener that cannot bind and goes on with the others; exits non-zero when none binds', async () => {
    const { user } = world;
    const taken = await tcpServer('127.0.0.1', (s) => s.destroy());
    const free = await freePort();
    const tunnel = await startTunnel(user, 'pi-1', ['-p', `${replier.port}:${taken.port}`, '-p', `${replier.port}:${free}`]);
    expect(tunnel.stderr).to.contain(`cannot listen on 127.0.0.1:${taken.port} for -p ${replier.port}:${taken.port}: the port is in use by another program [ERR_LISTEN_EADDRINUSE]; the other mappings go on`);
    expect(tunnel.stdout).to.contain(`Tunnel open: 127.0.0.1:${free} ->`);
    expect(await exchange(free, 'abc')).to.match(/^got 3 bytes/);
    await tunnel.kill();

    const none = await runClient(user, ['device', 'tunnel', 'pi-1', '-p', `${replier.port}:${taken.port}`]);
    expect(none.code).to.equal(1);
    expect(none.stderr).to.contain('no local port could be opened').and.contain('[ERR_NO_LISTENER]');
  });

  it('keeps its listeners when the session to the server drops: new connections wait for the reconnect or fail saying why', async () => {
    const { server, user } = world;
    const relay = new Relay(server.port);
    await relay.start();
    const viaRelay = { TUNNEL_SERVER: `https://127.0.0.1:${relay.port}` };
    const [lShort, lLong] = await Promise.all([freePort(), freePort()]);
    const short = await startTunnel(user, 'pi-1', ['--reconnect-wait', '2s', '-p', `${replier.port}:${lShort}`], viaRelay);
    const patient = await startTunnel(user, 'pi-1', ['--reconnect-wait', '120s', '-p', `${replier.port}:${lLong}`], viaRelay);

    await relay.stop();
    await Promise.all([short.waitForStdout('Lost the connection to the tunnel server'), patient.waitForStdout('Lost the connection to the tunnel server')]);
    await connectUntilClosed(lShort);
    expect(await connectionLine(short, 1, 'failed')).to.match(/failed: no connection to the tunnel server for 2 s: cannot reach the tunnel server at https:\/\/127\.0\.0\.1:\d+: connection refused.*\[ERR_SERVER_UNREACHABLE\]/);

    const waiting = exchange(lLong, 'held');
    await new Promise((r) => setTimeout(r, 1000));
    await relay.start();
    expect(await waiting).to.match(/^got 4 bytes/);
    await patient.waitForStdout('Reconnected to the tunnel server.');
    expect(patient.stdout).to.match(/Still no connection to the tunnel server: cannot reach the tunnel server at https:\/\/127\.0\.0\.1:\d+: connection refused.*; retrying in /);
    await short.waitForStdout('Reconnected to the tunnel server.', 60_000);
    expect(await exchange(lShort, 'back')).to.match(/^got 4 bytes/);
    await Promise.all([short.kill(), patient.kill(), relay.stop()]);
  });

  it('stops serving a session whose token was rotated', async () => {
    const { server } = world;
    const rotating = await addUser(server, 'rotating');
    const local = await freePort();
    const tunnel = await startTunnel(rotating, 'pi-1', ['-p', `${replier.port}:${local}`]);
    expect(await exchange(local, 'a')).to.match(/^got 1 bytes/);
    const r = await run(SERVER_CLI, ['user', 'token', 'rotating', '--data', server.dataDir]);
    expect(r.code, r.stderr).to.equal(0);
    await connectUntilClosed(local);
    expect(await connectionLine(tunnel, 2, 'failed')).to.contain('access denied: your API token was rotated or your user removed; log in again');
    // The session is closed and cannot come back with the old token: later connections say so at once.
    await tunnel.waitForStdout('Lost the connection to the tunnel server');
    await eventually(async () => {
      const n = (tunnel.stdout.match(/Connection #/g) ?? []).length;
      await connectUntilClosed(local);
      await tunnel.waitForStdout(new RegExp(`Connection #${n} `));
      return /\[ERR_AUTH_BAD_TOKEN\]/.test(tunnel.stdout) ? true : undefined;
    }, 60_000, 'a connection refused for the bad token');
    await tunnel.kill();
  });

  it('serves only the loopback ports the device lists in localPorts, and says so for the others', async () => {
    const { server, user } = world;
    const locked = await addDevice(server.dataDir, server.port, { name: 'locked', extraArgs: ['--fleet', WORLD_FLEET] });
    const unlisted = await tcpServer('127.0.0.1', countingReplier);
    startAgent(locked.file, [...FAST_AGENT_ARGS, '--local-ports', `22222,${replier.port}`]);
    await deviceReady(server, locked.uuid);
    const [lListed, lUnlisted] = [await freePort(), await freePort()];
    const tunnel = await startTunnel(user, 'locked', ['-p', `${replier.port}:${lListed}`, '-p', `${unlisted.port}:${lUnlisted}`]);
    expect(await exchange(lListed, 'ok')).to.match(/^got 2 bytes/);
    await connectUntilClosed(lUnlisted);
    expect(await connectionLine(tunnel, 2, 'failed')).to.contain(
      `failed: port not allowed by the device (port not allowed by the device: 127.0.0.1:${unlisted.port} is not in its localPorts) [ERR_OPEN_PORT_NOT_ALLOWED]`,
    );
    await tunnel.kill();
  });
});
