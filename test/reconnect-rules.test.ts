import { Writable } from 'node:stream';
import { expect } from 'chai';
import { checkTranscriptSignature, deviceSigner } from '@tunnel/protocol/auth';
import { errorCode } from '@tunnel/protocol/errors';
import { createLogger, type Logger } from '@tunnel/protocol/log';
import { Agent, DIRECT, readConfigFile, resolveConnection, resolveDeviceConfig, UserSession, type AgentSettings } from 'tunnel-client';
import { addUser, deviceReady, useWorld } from './support/developer.js';
import { addDevice, eventually, startServer, type ServerHandle } from './support/fixtures.js';
import { cleanupServers, countingReplier, sendAndReadAll, tcpServer } from './support/network.js';
import { cleanup } from './support/processes.js';

const HOUR = 3_600_000;

type Line = Record<string, unknown> & { msg?: string };

/** A real pino logger whose JSON lines the test reads back. */
function recordingLogger(): { log: Logger; lines: Line[] } {
  const lines: Line[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text.trim() !== '') lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  return { log: createLogger({ name: 'test', level: 'debug', destination: sink }), lines };
}

async function agentFor(server: ServerHandle, reconnect: AgentSettings['reconnect']): Promise<{ agent: Agent; lines: Line[]; uuid: string }> {
  const device = await addDevice(server.dataDir, server.port);
  const config = resolveDeviceConfig(readConfigFile(device.file));
  const { log, lines } = recordingLogger();
  const agent = new Agent({
    config,
    signer: deviceSigner(config.deviceApiKey),
    verify: checkTranscriptSignature,
    agentVersion: 'test',
    reconnect,
    connectTimeoutMs: 15_000,
    dialTimeoutMs: 10_000,
    yamux: {},
    proxy: DIRECT,
    log,
  });
  return { agent, lines, uuid: device.uuid };
}

function connected(agent: Agent): Promise<string> {
  return new Promise((resolve) => agent.once('connected', resolve));
}

describe('reconnect rules of the agent (in process, against a real server)', function () {
  this.timeout(120_000);
  afterEach(async () => {
    await cleanup();
    await cleanupServers();
  });

  it("waits the server's drain hint instead of its backoff, and stop() ends that wait", async () => {
    const server = await startServer({ args: ['--drain-grace', '0s', '--drain-spread', '600s'] });
    // random() = 0 makes every backoff delay 0: a non-zero wait can only be the server's hint.
    const { agent, lines } = await agentFor(server, { backoff: { baseMs: HOUR, capMs: HOUR }, stableAfterMs: 0, random: () => 0 });
    const up = connected(agent);
    agent.start();
    await up;
    await server.proc.kill('SIGTERM');
    const disconnected = await eventually(() => lines.find((l) => l.msg === 'disconnected'), 60_000, 'disconnected');
    expect(disconnected['closeCode']).to.equal(1012);
    expect(disconnected['drain']).to.equal(true);
    const retry = await eventually(() => lines.find((l) => l.msg?.startsWith('retrying in')), 10_000, 'retrying');
    expect(retry['retryInMs']).to.be.within(1, 600_000);
    // The agent now sleeps up to ten minutes; stop() must not wait for that.
    await agent.stop();
    expect(lines.filter((l) => l.msg === 'connecting')).to.have.length(1);
  });

  it('backs off while the server is down (widening each failure), and reconnects once it is back', async () => {
    const server = await startServer();
    // random() = 1: each delay is its full bound, 100, 200, 400 ms ... up to 1 s.
    const { agent, lines, uuid } = await agentFor(server, { backoff: { baseMs: 100, capMs: 1_000 }, stableAfterMs: HOUR, random: () => 1 });
    const first = connected(agent);
    agent.start();
    const firstSession = await first;
    await server.proc.kill('SIGKILL');
    const failures = await eventually(() => {
      const retries = lines.filter((l) => l.msg?.startsWith('retrying in'));
      return retries.length >= 3 ? retries : undefined;
    }, 60_000, 'three retries');
    // The session before did not last stableAfterMs, so nothing reset: 100, 200, 400 ms.
    expect(failures.slice(0, 3).map((l) => l['retryInMs'])).to.deep.equal([100, 200, 400]);
    expect(lines.find((l) => l.msg === 'disconnected')?.['drain']).to.equal(false);

    const again = connected(agent);
    const restarted = await startServer({ dataDir: server.dataDir, port: server.port });
    const secondSession = await again;
    expect(secondSession).to.not.equal(firstSession);
    await deviceReady(restarted, uuid);
    await agent.stop();
  });
});

describe('the developer session (in process, against a real server)', function () {
  this.timeout(120_000);
  const world = useWorld();

  it('rejects start() with the precise reason for a bad token and does not retry', async () => {
    const connection = resolveConnection({ token: 'tnl_not-a-token' }, world.user.env, null);
    const session = new UserSession({ connection, log: recordingLogger().log });
    let retries = 0;
    session.on('retry', () => (retries += 1));
    const err = await session.start().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(errorCode(err)).to.equal('ERR_AUTH_BAD_TOKEN');
    expect(retries).to.equal(0);
    session.close();
  });

  it('reports the lost session, fails opens meanwhile with the reason, and comes back with the server', async () => {
    const replier = await tcpServer('127.0.0.1', countingReplier);
    const connection = resolveConnection({}, world.user.env, null);
    const session = new UserSession({ connection, log: recordingLogger().log, waitForSessionMs: 1_000, backoff: { baseMs: 100, capMs: 500 } });
    const events: string[] = [];
    session.on('up', (reconnected) => events.push(`up ${reconnected}`));
    session.on('down', () => events.push('down'));
    const retried = new Promise<string>((resolve) => session.once('retry', (reason) => resolve(reason)));
    await session.start();
    const before = await session.open({ device: 'pi-1', host: '127.0.0.1', port: replier.port });
    // It dies with the server below; that is expected, not a failure of the test.
    before.on('error', () => undefined);

    const { server } = world;
    await server.proc.kill('SIGKILL');
    expect(await retried).to.match(/ERR_SERVER_UNREACHABLE|ECONNREFUSED|refused/);
    const offline = await session.open({ device: 'pi-1', host: '127.0.0.1', port: replier.port }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(errorCode(offline)).to.equal('ERR_SERVER_UNREACHABLE');
    expect(events).to.deep.equal(['up false', 'down']);

    const back = new Promise<boolean>((resolve) => session.once('up', resolve));
    world.server = await startServer({ dataDir: server.dataDir, port: server.port });
    expect(await back).to.equal(true);
    await deviceReady(world.server, world.device.uuid);
    const stream = await session.open({ device: 'pi-1', host: '127.0.0.1', port: replier.port });
    expect(await sendAndReadAll(stream, 'back')).to.match(/^got 4 bytes/);
    session.close();
  });

  it('close() during a reconnect wait ends it, and later opens say the CLI is shutting down', async () => {
    // A fresh user on the current server: the world's server may have been restarted above.
    const user = await addUser(world.server, 'closer');
    const session = new UserSession({ connection: resolveConnection({}, user.env, null), log: recordingLogger().log, backoff: { baseMs: HOUR, capMs: HOUR } });
    await session.start();
    const down = new Promise<void>((resolve) => session.once('down', () => resolve()));
    await world.server.proc.kill('SIGKILL');
    await down;
    session.close();
    const err = await session.open({ device: 'pi-1', host: '127.0.0.1', port: 1 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(errorCode(err)).to.equal('ERR_SESSION_CLOSED');
  });
});
