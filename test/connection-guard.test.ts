import { expect } from 'chai';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectVia } from './support/connect-client.js';
import { addUser, apiGet, deviceReady, startTunnel, WORLD_FLEET } from './support/developer.js';
import { addDevice, eventually, startAgent, type ServerHandle } from './support/fixtures.js';
import { BANNER, bannerService } from './support/live-streams.js';
import { cleanupServers, freePort } from './support/network.js';
import { cleanup, run, SERVER_CLI, spawnNode, tempDir } from './support/processes.js';

const FAULTY_SERVER = path.join(path.dirname(fileURLToPath(import.meta.url)), 'support/faulty-server-main.js');

async function admin(server: ServerHandle, args: string[]): Promise<void> {
  const r = await run(SERVER_CLI, [...args, '--data', server.dataDir]);
  if (r.code !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
}

describe('one connection failing never ends the server (injected faults, real processes)', function () {
  this.timeout(180_000);
  let server: ServerHandle;

  before(async () => {
    const dataDir = tempDir('tunnel-data-');
    const proc = spawnNode(FAULTY_SERVER, [dataDir]);
    const line = await proc.waitForLog((l) => l.msg === 'tunnel server listening');
    server = { proc, port: line['port'] as number, dataDir };
  });

  after(async () => {
    await cleanup();
    await cleanupServers();
  });

  it('survives a stream teardown that throws, logs it with its code, and closes both sides', async () => {
    await admin(server, ['fleet', 'add', WORLD_FLEET]);
    const device = await addDevice(server.dataDir, server.port, { name: 'pi-1', extraArgs: ['--fleet', WORLD_FLEET] });
    startAgent(device.file);
    await deviceReady(server, device.uuid);
    const user = await addUser(server);
    const service = await bannerService();
    const local = await freePort();
    const tunnel = await startTunnel(user, device.uuid, ['-p', `${service.port}:${local}`]);
    for (let round = 0; round < 2; round += 1) {
      const socket = net.connect({ host: '127.0.0.1', port: local });
      socket.on('error', () => undefined);
      await new Promise<void>((resolve) => socket.on('data', (c: Buffer) => c.toString().includes(BANNER) && resolve()));
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      // The service aborts: the server's teardown of the user's side calls the throwing reset().
      service.resetAll();
      await closed;
    }
    const failures = await server.proc.waitForLog((l) => l['code'] === 'ERR_STREAM_TEARDOWN_FAILED');
    expect(JSON.stringify(failures['err'])).to.contain('injected teardown failure');
    expect(server.proc.alive).to.equal(true);
    expect((await apiGet(server, '/healthz')).status).to.equal(200);
    await tunnel.kill();
  });

  it('closes only the connection whose handler threw, now or later, logs its code, and goes on serving', async () => {
    const user = await addUser(server, 'prober');
    for (const authority of ['sync.balena:22', 'later.balena:22']) {
      const from = server.proc.logs.length;
      const closed = connectVia(server.port, user.caFile, authority, { token: user.token }).then(
        () => 'answered',
        (err: Error) => `closed: ${err.message}`,
      );
      expect(await closed).to.match(/^closed/);
      const line = await server.proc.waitForLog((l) => l['code'] === 'ERR_CONNECTION_HANDLER_FAILED', 30_000, from);
      expect(line).to.include({ kind: 'connect' });
      expect(JSON.stringify(line['err'])).to.contain('injected handler failure');
    }
    expect(server.proc.alive).to.equal(true);
    await eventually(async () => ((await apiGet(server, '/healthz')).status === 200 ? true : undefined));
  });
});
