import { expect } from 'chai';
import { statSync } from 'node:fs';
import net from 'node:net';
import { controlSocketOf, type DeviceHandle, eventually, type ServerHandle, startAgent, startServerWithDevice } from './support/fixtures.js';
import { AdjustableClock } from './support/faketime.js';
import { configVariant } from './support/hostile-fixtures.js';
import { expectLogSchema } from './support/log-schema.js';
import { NO_PROXY_ENV, Relay } from './support/network.js';
import { cleanup, run, SERVER_CLI, type LogLine, type Proc } from './support/processes.js';
import { runProgram } from './support/programs.js';

/**
 * Backoff and heartbeat interval far longer than the test waits for recovery: only a prompt
 * retry (a trigger, or the heartbeat's short retry) can explain coming back within RECOVERY_MS.
 */
const SLOW_RETRY_ARGS = ['--backoff-base', '60s', '--backoff-cap', '60s', '--stable-after', '1s', '--keepalive-interval', '1s', '--keepalive-timeout', '3s'];
const RECOVERY_MS = 15_000;

const heartbeatFailed = (l: LogLine): boolean => l.msg?.startsWith('heartbeat failed') === true;
const heartbeatBack = (l: LogLine): boolean => l.msg === 'heartbeats are getting through again';

/** Both signals down, then back within RECOVERY_MS of `fix`, with the trigger logged. */
async function expectPromptRecovery(agent: Proc, fix: () => Promise<void> | void, trigger: RegExp): Promise<void> {
  await agent.waitForLog((l) => l.msg === 'connection failed', 30_000);
  await agent.waitForLog(heartbeatFailed, 30_000);
  const from = agent.logs.length;
  const fixedAt = Date.now();
  await fix();
  await agent.waitForLog((l) => trigger.test(String(l.msg)), RECOVERY_MS, from);
  await agent.waitForLog((l) => l.msg === 'connected', RECOVERY_MS, from);
  await agent.waitForLog(heartbeatBack, RECOVERY_MS, from);
  expect(Date.now() - fixedAt).to.be.below(RECOVERY_MS + 1_000);
}

async function heartbeatIntervalOf(dataDir: string, uuid: string): Promise<number | null> {
  const r = await run(SERVER_CLI, ['device', 'list', '--data', dataDir, '--json']);
  return (JSON.parse(r.stdout) as Array<{ uuid: string; heartbeatIntervalMs: number | null }>).find((d) => d.uuid === uuid)?.heartbeatIntervalMs ?? null;
}

/** One command to the agent's control socket, as a person would with socat; resolves with the answer line. */
function askSocket(file: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(file);
    let answer = '';
    socket.on('data', (c: Buffer) => (answer += c.toString()));
    socket.once('error', reject);
    socket.once('end', () => resolve(answer));
    socket.end(`${command}\n`);
  });
}

/** A server and a device, with a relay to the server that is down until the test starts it. */
async function deviceBehindDownedRelay(name: string): Promise<{ server: ServerHandle; device: DeviceHandle; relay: Relay }> {
  const { server, device } = await startServerWithDevice(name);
  const relay = new Relay(server.port);
  await relay.start();
  await relay.stop();
  return { server, device, relay };
}

/** The device reaches the server (tunnel and heartbeats) only through `relay`. */
function viaRelay(device: DeviceHandle, relay: Relay): string {
  return configVariant(device, { vpnPort: relay.port, apiEndpoint: `https://127.0.0.1:${relay.port}` });
}

describe('recovery edges: prompt retries after a clock fix, a network change or SIGUSR1 (real agent processes)', function () {
  this.timeout(180_000);
  after(cleanup);

  it('after the clock is set, tunnel and heartbeat come back at once instead of after the backoff or the next tick', async () => {
    const { device } = await startServerWithDevice('rtc-less');
    const clock = new AdjustableClock('@2017-03-23 12:00:00');
    const agent = startAgent(device.file, [...SLOW_RETRY_ARGS, '--heartbeat-interval', '120s', '--watch-interval', '1s'], {
      env: { ...NO_PROXY_ENV, ...clock.env() },
    });
    await agent.waitForLog((l) => l.code === 'ERR_TLS_CERT_NOT_YET_VALID');
    await expectPromptRecovery(agent, () => clock.set('+0'), /^the clock was set \S+ \S+ forward: retrying failing connections now$/);
    expectLogSchema(agent.logs, 'agent');
  });

  it('SIGUSR1 retries tunnel and heartbeat at once, however long the backoff and the interval', async () => {
    const { device, relay } = await deviceBehindDownedRelay('roaming');
    const agent = startAgent(viaRelay(device, relay), [...SLOW_RETRY_ARGS, '--heartbeat-interval', '120s', '--watch-interval', '0'], { env: NO_PROXY_ENV });
    await expectPromptRecovery(
      agent,
      async () => {
        await relay.start();
        agent.child.kill('SIGUSR1');
      },
      /^SIGUSR1: retrying failing connections now$/,
    );
    expectLogSchema(agent.logs, 'agent');
  });

  it('"retry" on the agent\'s control socket retries at once, and "state" tells why it is down', async () => {
    const { device, relay } = await deviceBehindDownedRelay('asked');
    const config = viaRelay(device, relay);
    const socketFile = controlSocketOf(config);
    const agent = startAgent(config, [...SLOW_RETRY_ARGS, '--heartbeat-interval', '120s', '--watch-interval', '0'], { env: NO_PROXY_ENV });
    await agent.waitForLog((l) => l.msg === 'connection failed', 30_000);
    expect(statSync(socketFile).mode & 0o777).to.equal(0o600);
    const down = JSON.parse(await askSocket(socketFile, 'state')) as { pid: number; tunnel: { connected: boolean; lastFailure: { code: string } | null } };
    expect(down.pid).to.equal(agent.pid);
    expect(down.tunnel).to.deep.include({ connected: false });
    expect(down.tunnel.lastFailure?.code).to.equal('ECONNREFUSED');
    await expectPromptRecovery(
      agent,
      async () => {
        await relay.start();
        await askSocket(socketFile, 'retry');
      },
      /^asked over the control socket: retrying failing connections now$/,
    );
    const up = JSON.parse(await askSocket(socketFile, 'state')) as { tunnel: { connected: boolean; sessionId: string } };
    expect(up.tunnel.connected).to.equal(true);
    expect(up.tunnel.sessionId).to.equal(agent.logs.filter((l) => l.msg === 'connected').at(-1)?.['sessionId']);
  });

  it('retries a failed heartbeat within the backoff bounds, not at the next tick', async () => {
    const { device, relay } = await deviceBehindDownedRelay('flaky-api');
    // The tunnel goes direct; only the heartbeat's HTTPS path is down.
    const config = configVariant(device, { apiEndpoint: `https://127.0.0.1:${relay.port}` });
    const agent = startAgent(config, ['--backoff-base', '500ms', '--backoff-cap', '2s', '--heartbeat-interval', '120s', '--watch-interval', '0'], { env: NO_PROXY_ENV });
    const failed = await agent.waitForLog(heartbeatFailed, 30_000);
    expect(failed['nextInMs']).to.be.at.most(2_000);
    const from = agent.logs.length;
    const fixedAt = Date.now();
    await relay.start();
    await agent.waitForLog(heartbeatBack, RECOVERY_MS, from);
    expect(Date.now() - fixedAt).to.be.below(RECOVERY_MS);
    expect(agent.logs.filter((l) => l.msg === 'disconnected')).to.deep.equal([]);
    expectLogSchema(agent.logs, 'agent');
  });

  it('notices a real network change (an address added to an interface) and retries at once', async function () {
    if (process.getuid?.() !== 0) this.skip();
    const { server, device, relay } = await deviceBehindDownedRelay('wifi');
    // Default heartbeat interval: whatever the device announces decides how soon "VPN only" shows.
    const agent = startAgent(viaRelay(device, relay), [...SLOW_RETRY_ARGS, '--watch-interval', '1s'], { env: NO_PROXY_ENV });
    const address = `127.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}/32`;
    try {
      await expectPromptRecovery(
        agent,
        async () => {
          await relay.start();
          const r = await runProgram('ip', ['addr', 'add', address, 'dev', 'lo']);
          expect(r.code, r.stderr).to.equal(0);
        },
        /^the network changed: retrying failing connections now$/,
      );
    } finally {
      await runProgram('ip', ['addr', 'del', address, 'dev', 'lo']);
    }
    // At the defaults a device whose heartbeats stop shows as VPN only within 1.5 x this: well under 90 s.
    const interval = await eventually(() => heartbeatIntervalOf(server.dataDir, device.uuid).then((i) => i ?? undefined));
    expect(interval * 1.5).to.be.at.most(45_000);
    expectLogSchema(agent.logs, 'agent');
  });
});
