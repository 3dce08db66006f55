import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { addDevice, deviceList, eventually, FAST_AGENT_ARGS, startAgent, startServer, startServerWithDevice } from './support/fixtures.js';
import { expectLogSchema } from './support/log-schema.js';
import { cleanup, logErr, run, SERVER_CLI } from './support/processes.js';

describe('device connection (server + agent processes)', function () {
  this.timeout(120_000);
  after(cleanup);

  it('connects, shows in device list, and is cut off at once when removed', async () => {
    const { server, device } = await startServerWithDevice('pi-1');
    expect(device.uuid).to.match(/^[0-9a-f]{32}$/);
    // Tunnel only (no heartbeats): the DESIGN's "VPN only".
    const agent = startAgent(device.file, [...FAST_AGENT_ARGS, '--no-heartbeat']);
    const connected = await agent.waitForLog((l) => l.msg === 'connected');
    const listed = await eventually(async () => (await deviceList(server.dataDir)).find((d) => d.vpn.connected));
    expect(listed.uuid).to.equal(device.uuid);
    expect(listed.status).to.equal('vpn-only');
    expect(listed.vpn.sessionId).to.equal(connected['sessionId']);

    const rm = await run(SERVER_CLI, ['device', 'rm', 'pi-1', '--data', server.dataDir]);
    expect(rm.code, rm.stderr).to.equal(0);
    const from = agent.logs.length;
    await agent.waitForLog((l) => l.msg === 'disconnected', 10_000, from);
    const refused = await agent.waitForLog((l) => l.code === 'ERR_AUTH_UNKNOWN_DEVICE', 15_000, from);
    expect(logErr(refused).message).to.contain('not registered');
    expect(await deviceList(server.dataDir)).to.deep.equal([]);
    expectLogSchema(server.proc.logs, 'server');
    expectLogSchema(agent.logs, 'agent');
  });

  it('rejects a wrong key and an unknown uuid on both sides, backs off, and leaves other devices alone', async () => {
    const server = await startServer();
    const good = await addDevice(server.dataDir, server.port, { name: 'good' });
    const victim = await addDevice(server.dataDir, server.port, { name: 'victim' });
    const goodAgent = startAgent(good.file);
    const goodSession = (await goodAgent.waitForLog((l) => l.msg === 'connected'))['sessionId'];

    const wrongKeyFile = victim.file.replace(/config\.json$/, 'wrong.json');
    writeFileSync(wrongKeyFile, JSON.stringify({ ...victim.config, deviceApiKey: 'f'.repeat(64) }));
    const wrongKey = startAgent(wrongKeyFile);
    const unknownFile = victim.file.replace(/config\.json$/, 'unknown.json');
    writeFileSync(unknownFile, JSON.stringify({ ...victim.config, uuid: '0123456789abcdef0123456789abcdef' }));
    const unknown = startAgent(unknownFile);

    const badKey = await wrongKey.waitForLog((l) => l.code === 'ERR_AUTH_BAD_KEY');
    expect(logErr(badKey).message).to.contain('deviceApiKey is wrong');
    await server.proc.waitForLog((l) => l.msg === 'device authentication failed' && l.code === 'ERR_AUTH_BAD_KEY' && l.uuid === victim.uuid);
    await unknown.waitForLog((l) => l.code === 'ERR_AUTH_UNKNOWN_DEVICE');
    await server.proc.waitForLog((l) => l.msg === 'device authentication failed' && l.code === 'ERR_AUTH_UNKNOWN_DEVICE');

    // Backoff: retries keep coming, each announced with a growing attempt count.
    const retry = await wrongKey.waitForLog((l) => typeof l['attempt'] === 'number' && (l['attempt'] as number) >= 3);
    expect(retry['retryInMs']).to.be.a('number');

    // The good device kept its session throughout, and a new device still gets in promptly.
    const fresh = await addDevice(server.dataDir, server.port, { name: 'fresh' });
    const freshAgent = startAgent(fresh.file);
    await freshAgent.waitForLog((l) => l.msg === 'connected', 10_000);
    expect(goodAgent.logs.filter((l) => l.msg === 'disconnected')).to.have.length(0);
    const list = await deviceList(server.dataDir);
    expect(list.find((d) => d.uuid === good.uuid)?.vpn.sessionId).to.equal(goodSession);
    expect(list.find((d) => d.uuid === victim.uuid)?.vpn.connected).to.equal(false);
    expectLogSchema(server.proc.logs, 'server');
    for (const [who, proc] of [['wrong key', wrongKey], ['unknown', unknown], ['good', goodAgent]] as const) expectLogSchema(proc.logs, who);
  });
});
