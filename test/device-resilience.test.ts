import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import { addDevice, deviceList, eventually, serverCaPem, startAgent, startServer, startServerWithDevice } from './support/fixtures.js';
import { cleanup, logErr, type LogLine } from './support/processes.js';
import { startTcpRelay } from './support/tcp-relay.js';
import { startWsRecorder } from './support/ws-recorder.js';

const FAST_SERVER = ['--keepalive-interval', '1s', '--keepalive-timeout', '3s'];
const isMsg = (msg: string) => (l: LogLine) => l.msg === msg;

describe('device connection resilience (real processes)', function () {
  this.timeout(120_000);
  after(cleanup);

  it('comes back within its backoff bound after kill -9 and a restart of the server', async () => {
    const { server, device } = await startServerWithDevice();
    const agent = startAgent(device.file);
    const first = await agent.waitForLog(isMsg('connected'));
    const from = agent.logs.length;
    await server.proc.kill('SIGKILL');
    await agent.waitForLog(isMsg('disconnected'), 15_000, from);

    const restarted = await startServer({ dataDir: server.dataDir, port: server.port });
    const listeningAt = Date.now();
    const again = await agent.waitForLog(isMsg('connected'), 30_000, from);
    // --backoff-cap 2s: the next attempt after the restart starts within 2 s; allow slack for a loaded machine.
    expect(Date.now() - listeningAt).to.be.lessThan(2_000 + 8_000);
    expect(again['sessionId']).to.not.equal(first['sessionId']);
    const listed = await eventually(async () => (await deviceList(restarted.dataDir)).find((d) => d.vpn.connected));
    expect(listed.vpn.sessionId).to.equal(again['sessionId']);
  });

  it('detects a relay that stops forwarding without closing, on both ends, within the keepalive timeout', async () => {
    const server = await startServer({ args: FAST_SERVER });
    const relay = await startTcpRelay(server.port);
    const device = await addDevice(server.dataDir, server.port, { configOverrides: { vpnPort: relay.port } });
    const agent = startAgent(device.file);
    const first = await agent.waitForLog(isMsg('connected'));
    const from = agent.logs.length;
    relay.freeze();
    const down = await agent.waitForLog(isMsg('disconnected'), 20_000, from);
    expect(logErr(down).code).to.equal('ERR_YAMUX_KEEPALIVE_TIMEOUT');
    const serverSide = await server.proc.waitForLog((l) => l.msg === 'device disconnected' && l['sessionId'] === first['sessionId'], 20_000);
    expect(serverSide['reason']).to.equal('ERR_YAMUX_KEEPALIVE_TIMEOUT');
    await relay.close();
  });

  it('drains on SIGTERM: GoAway to every device, which come back to the restarted server spread over time', async () => {
    const server = await startServer({ args: ['--drain-grace', '1s', '--drain-spread', '4s'] });
    const agents = [];
    for (let i = 0; i < 3; i++) {
      const device = await addDevice(server.dataDir, server.port);
      agents.push(startAgent(device.file));
    }
    await Promise.all(agents.map((a) => a.waitForLog(isMsg('connected'))));
    const marks = agents.map((a) => a.logs.length);
    await server.proc.kill('SIGTERM');
    expect((await server.proc.exited).code).to.equal(0);
    const hints = await Promise.all(
      agents.map(async (a, i) => {
        await a.waitForLog(isMsg('server sent GoAway: no new streams; waiting for its reconnect hint'), 15_000, marks[i]);
        const down = await a.waitForLog(isMsg('disconnected'), 15_000, marks[i]);
        expect(down['closeCode']).to.equal(1012);
        expect(down['drain']).to.equal(true);
        const retry = await a.waitForLog((l) => typeof l['retryInMs'] === 'number', 15_000, marks[i]);
        return retry['retryInMs'] as number;
      }),
    );
    for (const h of hints) expect(h).to.be.within(0, 4_000);
    expect(new Set(hints).size, `reconnect delays ${hints.join(', ')}`).to.be.greaterThan(1);
    const restarted = await startServer({ dataDir: server.dataDir, port: server.port });
    await Promise.all(agents.map((a, i) => a.waitForLog(isMsg('connected'), 30_000, marks[i])));
    await eventually(async () => ((await deviceList(restarted.dataDir)).filter((d) => d.vpn.connected).length === 3 ? true : undefined));
  });

  it('keeps the device key off the wire: a recorded handshake holds no key and replaying it is refused', async () => {
    const server = await startServer();
    const serverCa = serverCaPem(server);
    const recorder = await startWsRecorder(server.port, serverCa);
    const device = await addDevice(server.dataDir, server.port, {
      configOverrides: { vpnPort: 0, serverCA: '' },
    });
    const viaRecorder = { ...device.config, vpnPort: recorder.port, serverCA: Buffer.from(recorder.caPem).toString('base64') };
    writeFileSync(device.file, JSON.stringify(viaRecorder));
    const agent = startAgent(device.file);
    await agent.waitForLog(isMsg('connected'));

    const handshake = recorder.messages.filter((m) => m.text);
    expect(handshake.map((m) => (JSON.parse(m.data.toString()) as { type: string }).type)).to.deep.equal(['hello', 'challenge', 'proof', 'welcome']);
    const key = device.config.deviceApiKey;
    const forms = [key, Buffer.from(key, 'hex').toString('base64'), Buffer.from(key, 'hex').toString('base64url'), Buffer.from(key).toString('base64')];
    const everything = Buffer.concat(recorder.messages.map((m) => m.data));
    for (const form of forms) expect(everything.includes(Buffer.from(form)), `found ${form} on the wire`).to.equal(false);

    // Replay the device's recorded messages on a fresh connection straight to the server.
    const deviceMessages = handshake.filter((m) => m.direction === 'device->server').map((m) => m.data.toString());
    const replay = new WebSocket(`wss://127.0.0.1:${server.port}/v1/device/connect`, { ca: serverCa, perMessageDeflate: false });
    const answers: string[] = [];
    const closed = new Promise<number>((resolve) => replay.on('close', (code) => resolve(code)));
    replay.on('message', (data: Buffer) => {
      answers.push(data.toString());
      if (answers.length === 1) replay.send(deviceMessages[1]!);
    });
    replay.on('open', () => replay.send(deviceMessages[0]!));
    expect(await closed).to.equal(4401);
    const verdict = JSON.parse(answers[answers.length - 1]!) as { type: string; code: string };
    expect(verdict).to.include({ type: 'error', code: 'ERR_AUTH_BAD_KEY' });
    await server.proc.waitForLog((l) => l.code === 'ERR_AUTH_BAD_KEY' && l.uuid === device.uuid);
    await recorder.close();
  });
});
