import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { addDevice, deviceList, eventually, FAST_AGENT_ARGS, startAgent, startServer, startServerWithDevice } from './support/fixtures.js';
import { cleanup, CLIENT_CLI, run } from './support/processes.js';
import { startTcpRelay } from './support/tcp-relay.js';

async function statusOf(dataDir: string, uuid: string): Promise<string | undefined> {
  return (await deviceList(dataDir)).find((d) => d.uuid === uuid)?.status;
}

async function waitForStatus(dataDir: string, uuid: string, status: string, timeoutMs = 20_000): Promise<void> {
  await eventually(async () => ((await statusOf(dataDir, uuid)) === status ? true : undefined), timeoutMs, `status ${status}`);
}

describe('device status from the tunnel and heartbeat signals (real processes)', function () {
  this.timeout(120_000);
  after(cleanup);

  it('produces all four statuses for real', async () => {
    const server = await startServer();
    const online = await addDevice(server.dataDir, server.port, { name: 'online' });
    const heartbeatOnly = await addDevice(server.dataDir, server.port, { name: 'heartbeat-only' });
    const vpnOnly = await addDevice(server.dataDir, server.port, { name: 'vpn-only' });
    const offline = await addDevice(server.dataDir, server.port, { name: 'offline' });

    startAgent(online.file, [...FAST_AGENT_ARGS, '--heartbeat-interval', '2s']);
    startAgent(vpnOnly.file, [...FAST_AGENT_ARGS, '--no-heartbeat']);
    // Heartbeats alone, from another device process: `tunnel-client heartbeat` in a loop.
    let beating = true;
    const loop = (async () => {
      while (beating) {
        const r = await run(CLIENT_CLI, ['heartbeat', '--config', heartbeatOnly.file, '--heartbeat-interval', '3s']);
        expect(r.code, r.stderr).to.equal(0);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();

    await waitForStatus(server.dataDir, online.uuid, 'online');
    await waitForStatus(server.dataDir, heartbeatOnly.uuid, 'heartbeat-only');
    await waitForStatus(server.dataDir, vpnOnly.uuid, 'vpn-only');
    expect(await statusOf(server.dataDir, offline.uuid)).to.equal('offline');
    const list = await deviceList(server.dataDir);
    const labels = Object.fromEntries(list.map((d) => [d.name, (d as unknown as { statusLabel: string }).statusLabel]));
    expect(labels).to.deep.equal({
      online: 'Online',
      'heartbeat-only': 'Online (Heartbeat only)',
      'vpn-only': 'Online (VPN only)',
      offline: 'Offline',
    });

    // Heartbeats stop: after 1.5 x the announced 3 s the device is offline again.
    beating = false;
    await loop;
    await waitForStatus(server.dataDir, heartbeatOnly.uuid, 'offline', 30_000);
  });

  it('refuses a heartbeat signed with the wrong key, with a clear error', async () => {
    const { server, device } = await startServerWithDevice();
    writeFileSync(device.file, JSON.stringify({ ...device.config, deviceApiKey: 'e'.repeat(64) }));
    const r = await run(CLIENT_CLI, ['heartbeat', '--config', device.file]);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('not signed with its registered key');
    expect(r.stderr).to.contain('[ERR_AUTH_BAD_KEY]');
    expect(await statusOf(server.dataDir, device.uuid)).to.equal('offline');
  });

  it('stays online through the reconnect race: the old session closes late, after the new one is up', async () => {
    const { server, device } = await startServerWithDevice('racer', { args: ['--keepalive-interval', '1s', '--keepalive-timeout', '3s'] });
    const relay = await startTcpRelay(server.port);
    const viaRelay = device.file.replace(/config\.json$/, 'via-relay.json');
    writeFileSync(viaRelay, JSON.stringify({ ...device.config, vpnPort: relay.port }));

    // The old session runs through a relay that will go silent, like a NAT mapping that died.
    const old = startAgent(viaRelay, [...FAST_AGENT_ARGS, '--keepalive-interval', '30s', '--keepalive-timeout', '60s', '--heartbeat-interval', '2s']);
    const oldSession = (await old.waitForLog((l) => l.msg === 'connected'))['sessionId'];
    await waitForStatus(server.dataDir, device.uuid, 'online');
    relay.freeze();
    await old.kill('SIGKILL');

    // The device comes back on a fresh path before the server has noticed the old one is dead.
    const fresh = startAgent(device.file, [...FAST_AGENT_ARGS, '--heartbeat-interval', '2s']);
    const newSession = (await fresh.waitForLog((l) => l.msg === 'connected'))['sessionId'];
    expect(newSession).to.not.equal(oldSession);

    // The server's keepalive now closes the old session: a late close that must change nothing.
    const late = await server.proc.waitForLog((l) => l['sessionId'] === oldSession && String(l.msg).includes('closed'), 30_000);
    expect(late['wasCurrent']).to.equal(false);
    const listed = (await deviceList(server.dataDir)).find((d) => d.uuid === device.uuid)!;
    expect(listed.status).to.equal('online');
    expect(listed.vpn.sessionId).to.equal(newSession);
    await relay.close();
  });
});
