import { expect } from 'chai';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { auditLog } from './support/audit.js';
import { connectVia } from './support/connect-client.js';
import { addUser, runClient, spawnClient, startTunnel, startWorld, type UserHandle } from './support/developer.js';
import { eventually, startServer, type DeviceHandle, type ServerHandle } from './support/fixtures.js';
import { BANNER, bannerService } from './support/live-streams.js';
import { cleanupServers, freePort, idleConnection } from './support/network.js';
import { cleanup } from './support/processes.js';

const LIMIT_ARGS = ['--preauth-per-source', '6', '--preauth-timeout', '4s', '--user-stream-limit', '2', '--user-session-limit', '1'];

describe('server hardening from the issue 20 probe (real processes)', function () {
  this.timeout(240_000);
  let server: ServerHandle;
  let device: DeviceHandle;
  let user: UserHandle;
  let service: Awaited<ReturnType<typeof bannerService>>;

  before(async () => {
    ({ server, device, user } = await startWorld({ serverArgs: LIMIT_ARGS }));
    service = await bannerService();
  });

  after(async () => {
    await cleanup();
    await cleanupServers();
  });

  const connectToService = (who: UserHandle): ReturnType<typeof connectVia> =>
    connectVia(server.port, who.caFile, `${device.uuid}.balena:${service.port}`, { token: who.token, done: (rest) => rest.toString().includes(BANNER) });

  it('refuses unauthenticated connections past the per-source cap and closes idle ones at the deadline; devices and people still get in', async () => {
    const idle = Array.from({ length: 6 }, () => idleConnection(server.port));
    await Promise.all(idle.map((c) => new Promise((resolve) => c.socket.once('connect', resolve))));
    // The seventh from the same address is closed before any TLS.
    const extra = idleConnection(server.port);
    await extra.closed;
    await server.proc.waitForLog((l) => l['code'] === 'ERR_PREAUTH_SOURCE_LIMIT');
    // The idle ones are closed once the pre-authentication deadline passes.
    await Promise.all(idle.map((c) => c.closed));
    await server.proc.waitForLog((l) => l['code'] === 'ERR_PREAUTH_TIMEOUT');
    const a = await connectToService(user);
    expect(a.status).to.equal(200);
    a.socket.destroy();
  });

  it('caps streams and tunnel sessions per user with their own codes, while others still get in', async () => {
    const held = [await connectToService(user), await connectToService(user)];
    const third = await connectVia(server.port, user.caFile, `${device.uuid}.balena:${service.port}`, { token: user.token });
    expect(third.status).to.equal(429);
    expect(JSON.parse(third.rest.toString())).to.have.nested.property('error.code', 'ERR_OPEN_LIMIT_REACHED');
    const other = await addUser(server, 'root', 'admin');
    const admitted = await connectToService(other);
    expect(admitted.status).to.equal(200);
    for (const a of [...held, admitted]) a.socket.destroy();

    const tunnel = await startTunnel(user, device.uuid, ['-p', `${service.port}:${await freePort()}`]);
    const second = await runClient(user, ['device', 'tunnel', device.uuid, '-p', `${service.port}:${await freePort()}`]);
    expect(second.code).to.equal(1);
    expect(second.stderr).to.contain('ERR_USER_SESSION_LIMIT');
    await tunnel.kill();
  });

  it('offers only ECDHE AEAD suites on TLS 1.2', async () => {
    const ca = readFileSync(user.caFile, 'utf8');
    const handshake = (ciphers: string): Promise<string> =>
      new Promise((resolve) => {
        const s = tls.connect({ host: '127.0.0.1', port: server.port, ca, servername: 'localhost', maxVersion: 'TLSv1.2', ciphers });
        s.once('secureConnect', () => {
          resolve(s.getCipher().name);
          s.destroy();
        });
        s.once('error', (err: Error & { code?: string }) => resolve(`refused: ${err.code ?? err.message}`));
      });
    expect(await handshake('ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256')).to.match(/^ECDHE-(RSA|ECDSA)-AES128-GCM-SHA256$/);
    for (const weak of ['AES128-GCM-SHA256', 'AES128-SHA', 'ECDHE-RSA-AES128-SHA:ECDHE-ECDSA-AES128-SHA', 'ECDHE-RSA-AES128-SHA256:ECDHE-ECDSA-AES128-SHA256']) {
      expect(await handshake(weak), weak).to.match(/^refused/);
    }
  });

  it('lets `device list | head` end the output without an EPIPE stack', async () => {
    const proc = spawnClient(user, ['device', 'list']);
    // The reader goes away before the table is written, as head does after its lines.
    proc.child.stdout!.destroy();
    const { code } = await proc.exited;
    expect(proc.stderr).to.not.match(/EPIPE|\n\s+at /);
    expect(code).to.equal(0);
  });

  it('closes audit entries a crash left open as interrupted at the next start', async () => {
    const open = await connectToService(user);
    expect(open.status).to.equal(200);
    await eventually(async () => ((await auditLog(server.dataDir)).some((r) => r.result === null) ? true : undefined));
    await server.proc.kill('SIGKILL');
    open.socket.destroy();
    const restarted = await startServer({ dataDir: server.dataDir, args: LIMIT_ARGS });
    const rows = await auditLog(server.dataDir);
    expect(rows.filter((r) => r.result === null)).to.deep.equal([]);
    expect(rows.some((r) => r.result === 'interrupted' && r.endedAt !== null)).to.equal(true);
    await restarted.proc.waitForLog((l) => l.msg === 'closed audit entries left open by an earlier crash as interrupted');
  });
});
