import { expect } from 'chai';
import http from 'node:http';
import type net from 'node:net';
import { auditLog } from './support/audit.js';
import { addUser, useWorld, WORLD_FLEET } from './support/developer.js';
import { addDevice, eventually } from './support/fixtures.js';
import { connectVia } from './support/connect-client.js';
import { blackholePort } from './support/blackhole.js';
import { countingReplier, freePort, preferredPort, tcpServer } from './support/network.js';
import { runProgram } from './support/programs.js';

describe('HTTP CONNECT on the server listener (curl, ssh ProxyCommand, socat without our CLI)', function () {
  this.timeout(180_000);
  const world = useWorld();
  let web: { port: number };

  before(async () => {
    const port = await preferredPort(8080);
    const server = http.createServer((req, res) => res.end(`hello from the device, you asked for ${req.url}\n`));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    server.unref();
    web = { port };
  });

  const proxyArgs = (): string[] => ['--proxy', `https://127.0.0.1:${world.server.port}`, '--proxy-cacert', world.user.caFile];

  it('carries curl --proxytunnel to an HTTP server on the device', async () => {
    const { device, user } = world;
    const r = await runProgram('curl', ['-sS', '--proxytunnel', ...proxyArgs(), '--proxy-user', `x:${user.token}`, `http://${device.uuid}.balena:${web.port}/status`]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('hello from the device, you asked for /status\n');
    // The .vpn form, and a device name instead of the uuid.
    const byName = await runProgram('curl', ['-sS', '--proxytunnel', ...proxyArgs(), '--proxy-user', `x:${user.token}`, `http://pi-1.vpn:${web.port}/`]);
    expect(byName.stdout).to.contain('hello from the device');
  });

  it('forwards plain proxy requests too: curl --proxy … http://<uuid>.balena:8080/ without --proxytunnel', async () => {
    const { device, user } = world;
    const r = await runProgram('curl', ['-sS', ...proxyArgs(), '--proxy-user', `x:${user.token}`, `http://${device.uuid}.balena:${web.port}/plain?q=1`]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.equal('hello from the device, you asked for /plain?q=1\n');
    const post = await runProgram('curl', ['-sS', ...proxyArgs(), '--proxy-user', `x:${user.token}`, '--data-binary', 'abc', `http://${device.uuid}.balena:${web.port}/post`]);
    expect(post.stdout).to.equal('hello from the device, you asked for /post\n');
    const refused = await runProgram('curl', ['-sS', '-w', '%{http_code}', ...proxyArgs(), '--proxy-user', `x:${user.token}`, `http://${device.uuid}.balena:${await freePort()}/`]);
    expect(refused.stdout).to.match(/"code":"ERR_OPEN_CONNECTION_REFUSED".*502$/);
    const anonymous = await runProgram('curl', ['-sS', '-w', '%{http_code}', ...proxyArgs(), `http://${device.uuid}.balena:${web.port}/`]);
    expect(anonymous.stdout).to.match(/407$/);
  });

  it('answers 407 with a Basic challenge to a missing or wrong token', async () => {
    const { device, server, user } = world;
    for (const token of [undefined, 'tnl_wrong']) {
      const a = await connectVia(server.port, user.caFile, `${device.uuid}.balena:${web.port}`, token === undefined ? {} : { token });
      expect(a.status).to.equal(407);
      expect(a.headers['proxy-authenticate']).to.match(/^Basic /);
      const body = JSON.parse(a.rest.toString()) as { error: { code: string } };
      expect(body.error.code).to.equal(token === undefined ? 'ERR_AUTH_MISSING_TOKEN' : 'ERR_AUTH_BAD_TOKEN');
    }
    const r = await runProgram('curl', ['-sS', '--proxytunnel', ...proxyArgs(), '--proxy-user', 'x:tnl_wrong', `http://${device.uuid}.balena:${web.port}/`]);
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain('407');
  });

  it('keeps the bytes that come with the 200 (an SSH banner) and forwards the bytes sent right behind CONNECT', async () => {
    const { device, server, user } = world;
    const banner = 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n';
    const echo = await tcpServer('127.0.0.1', (socket: net.Socket) => {
      socket.write(banner);
      socket.pipe(socket);
    });
    const head = 'SSH-2.0-client\r\n';
    const expected = banner + head;
    const a = await connectVia(server.port, user.caFile, `${device.uuid}.balena:${echo.port}`, {
      token: user.token,
      head,
      done: (rest) => rest.length >= expected.length,
    });
    expect(a.status).to.equal(200);
    expect(a.rest.toString()).to.equal(expected);
    a.socket.destroy();
  });

  it('carries a half-close: the client ends its side and still reads the answer', async () => {
    const { device, server, user } = world;
    const replier = await tcpServer('127.0.0.1', countingReplier);
    const a = await connectVia(server.port, user.caFile, `${device.uuid}.balena:${replier.port}`, { token: user.token });
    expect(a.status).to.equal(200);
    const answer = new Promise<string>((resolve) => {
      const chunks: Buffer[] = [a.rest];
      a.socket.on('data', (c: Buffer) => chunks.push(c));
      a.socket.once('end', () => resolve(Buffer.concat(chunks).toString()));
    });
    a.socket.end('x');
    expect(await answer).to.match(/^got 1 bytes [0-9a-f]{64}$/);
  });

  it('gives every refusal its own status and code', async () => {
    const { device, server, user } = world;
    const closedPort = await freePort();
    const offline = await addDevice(server.dataDir, server.port, { name: 'offline-1', extraArgs: ['--fleet', WORLD_FLEET] });
    const support = await addUser(server, 'helper', 'support');
    const slow = await blackholePort();
    const cases: [string, string, number, string][] = [
      [`${device.uuid}.balena:${closedPort}`, user.token, 502, 'ERR_OPEN_CONNECTION_REFUSED'],
      [`${offline.uuid}.balena:22222`, user.token, 503, 'ERR_OPEN_DEVICE_OFFLINE'],
      ['0000000000000000000000000000dead.balena:22222', user.token, 404, 'ERR_OPEN_UNKNOWN_DEVICE'],
      [`${device.uuid}.balena:${web.port}`, support.token, 403, 'ERR_OPEN_ACCESS_DENIED'],
      [`example.com:443`, user.token, 400, 'ERR_CONNECT_BAD_TARGET'],
      [`${device.uuid}.balena:${slow}`, user.token, 504, 'ERR_OPEN_TIMED_OUT'],
    ];
    for (const [authority, token, status, code] of cases) {
      const a = await connectVia(server.port, user.caFile, authority, { token });
      const body = JSON.parse(a.rest.toString()) as { error: { code: string; message: string } };
      expect({ authority, status: a.status, code: body.error.code }).to.deep.equal({ authority, status, code });
    }
    const offlineAnswer = await connectVia(server.port, user.caFile, `offline-1.balena:22222`, { token: user.token });
    expect(offlineAnswer.rest.toString()).to.contain(`device ${offline.uuid.slice(0, 7)} (offline-1) is offline (it has never connected)`);

    // Every attempt, refused or not, is in the audit log with its result.
    const results = await eventually(async () => {
      const rows = await auditLog(server.dataDir);
      const found = new Set(rows.map((r) => r.result));
      return ['connection-refused', 'device-offline', 'unknown-device', 'access-denied', 'timed-out'].every((r) => found.has(r)) ? rows : undefined;
    });
    const denied = results.find((r) => r.result === 'access-denied')!;
    expect(denied).to.deep.include({ user: 'helper', deviceUuid: device.uuid, targetHost: '127.0.0.1', targetPort: web.port, bytesUp: 0, bytesDown: 0 });
    expect(results.find((r) => r.result === 'unknown-device')?.deviceUuid).to.equal('0000000000000000000000000000dead');
  });
});
