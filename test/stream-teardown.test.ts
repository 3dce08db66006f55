import { expect } from 'chai';
import { connectVia } from './support/connect-client.js';
import { addUser, deviceReady, startWorld, WORLD_FLEET, type UserHandle } from './support/developer.js';
import { addDevice, FAST_AGENT_ARGS, startAgent, type DeviceHandle, type ServerHandle } from './support/fixtures.js';
import { ACCESS_PATHS, BANNER, bannerService, openLive, type LiveStream } from './support/live-streams.js';
import { cleanupServers } from './support/network.js';
import { cleanup, CLIENT_CLI, run, SERVER_CLI, type Proc } from './support/processes.js';

async function admin(server: ServerHandle, args: string[]): Promise<string> {
  const r = await run(SERVER_CLI, [...args, '--data', server.dataDir]);
  if (r.code !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Issue 20: one CONNECT stream aborted from the device's side used to end the whole server
 * (`resetAndDestroy()` on a TLS socket throws). Every trigger is tried through the three ways in,
 * with real processes, and the server must go on serving afterwards.
 */
describe('streams torn down from the device side never take the server down (real processes)', function () {
  this.timeout(300_000);
  let server: ServerHandle;
  let device: DeviceHandle;
  let agent: Proc;
  let user: UserHandle;
  let service: Awaited<ReturnType<typeof bannerService>>;

  before(async () => {
    ({ server, device, agent, user } = await startWorld({ serverArgs: ['--keepalive-interval', '1s', '--keepalive-timeout', '3s', '--drain-grace', '2s', '--drain-spread', '1s'] }));
    service = await bannerService();
  });

  after(async () => {
    await cleanup();
    await cleanupServers();
  });

  const openAll = (who: UserHandle = user, target: string = device.uuid): Promise<LiveStream[]> => Promise.all(ACCESS_PATHS.map((path) => openLive(path, server, who, target, service.port)));

  async function expectAllClosed(streams: LiveStream[], why: string): Promise<void> {
    await Promise.all(streams.map((s) => within(s.closed, 30_000, `${s.path} stream closing after ${why}`)));
    for (const s of streams) await s.proc?.kill();
  }

  /** The server process is up, logged no uncaught exception, and carries a fresh CONNECT to the device. */
  async function expectServerServes(): Promise<void> {
    expect(server.proc.alive, `server exited; stderr:\n${server.proc.stderr.slice(-2000)}`).to.equal(true);
    expect(server.proc.logs.filter((l) => l['code'] === 'ERR_UNCAUGHT_EXCEPTION' || l['code'] === 'ERR_CONNECTION_HANDLER_FAILED')).to.deep.equal([]);
    const a = await connectVia(server.port, user.caFile, `${device.uuid}.balena:${service.port}`, { token: user.token, done: (rest) => rest.toString().includes(BANNER) });
    expect(a.status).to.equal(200);
    a.socket.destroy();
  }

  async function restartAgent(): Promise<void> {
    const from = server.proc.logs.length;
    agent = startAgent(device.file, FAST_AGENT_ARGS);
    await deviceReady(server, device.uuid, from);
  }

  it('survives a device service that resets the connection', async () => {
    const streams = await openAll();
    service.resetAll();
    await expectAllClosed(streams, 'the service reset');
    await expectServerServes();
  });

  it('survives kill -9 of the agent with streams open', async () => {
    const streams = await openAll();
    await agent.kill('SIGKILL');
    await expectAllClosed(streams, 'kill -9 of the agent');
    expect(server.proc.alive).to.equal(true);
    await restartAgent();
    await expectServerServes();
  });

  it('`diagnose` on the device leaves the agent session and its streams alone', async () => {
    const streams = await openAll();
    const agentFrom = agent.logs.length;
    await run(CLIENT_CLI, ['diagnose', '--config', device.file, '--json'], { timeoutMs: 60_000 });
    const cut = await Promise.race([Promise.any(streams.map((s) => s.closed.then(() => s.path))), new Promise<null>((r) => setTimeout(() => r(null), 2_000))]);
    expect(cut, 'a stream closed during diagnose').to.equal(null);
    expect(agent.logs.slice(agentFrom).filter((l) => l.msg === 'disconnected')).to.deep.equal([]);
    for (const s of streams) await s.proc?.kill();
    await expectServerServes();
  });

  it('survives the keepalive timeout of a frozen agent', async () => {
    const streams = await openAll();
    agent.child.kill('SIGSTOP');
    try {
      await expectAllClosed(streams, 'the keepalive timeout');
    } finally {
      agent.child.kill('SIGCONT');
    }
    expect(server.proc.alive).to.equal(true);
    await agent.kill('SIGKILL');
    await restartAgent();
    await expectServerServes();
  });

  it('survives access ending while streams run: grant revoked, grant expired, user removed, fleet membership removed, token rotated', async () => {
    const withdrawals: Array<{ why: string; role: string; grant?: string; withdraw: (name: string) => Promise<unknown> }> = [
      { why: 'support disable', role: 'support', grant: '1h', withdraw: () => admin(server, ['support', 'disable', '--device', device.uuid]) },
      // Long enough for three clients to start on a loaded machine; the streams then outlive it.
      { why: 'grant expiry', role: 'support', grant: '20s', withdraw: () => Promise.resolve() },
      { why: 'user rm', role: 'developer', withdraw: (name) => admin(server, ['user', 'rm', name]) },
      { why: 'fleet member rm', role: 'developer', withdraw: (name) => admin(server, ['fleet', 'member', 'rm', WORLD_FLEET, name]) },
      { why: 'user token', role: 'developer', withdraw: (name) => admin(server, ['user', 'token', name]) },
    ];
    for (const [i, w] of withdrawals.entries()) {
      const person = await addUser(server, `leaver-${i}`, w.role);
      if (w.grant) await admin(server, ['support', 'enable', '--device', device.uuid, '--duration', w.grant, '--ports', String(service.port)]);
      const streams = await openAll(person);
      await w.withdraw(person.name);
      await expectAllClosed(streams, w.why);
      await expectServerServes();
    }
  });

  it('survives `device rm` of a device with streams open', async () => {
    const doomed = await addDevice(server.dataDir, server.port, { name: 'doomed', extraArgs: ['--fleet', WORLD_FLEET] });
    const from = server.proc.logs.length;
    startAgent(doomed.file);
    await deviceReady(server, doomed.uuid, from);
    const streams = await openAll(user, doomed.uuid);
    await admin(server, ['device', 'rm', doomed.uuid]);
    await expectAllClosed(streams, 'device rm');
    await expectServerServes();
  });

  it('drains on SIGTERM with streams open instead of dying, and exits 0', async () => {
    const streams = await openAll();
    const exited = server.proc.kill('SIGTERM');
    await expectAllClosed(streams, 'the drain');
    expect(await within(exited, 60_000, 'server exit')).to.deep.equal({ code: 0, signal: null });
    expect(server.proc.logs.some((l) => l.msg === 'stopped')).to.equal(true);
    expect(server.proc.logs.filter((l) => l['code'] === 'ERR_UNCAUGHT_EXCEPTION')).to.deep.equal([]);
  });
});
