import { expect } from 'chai';
import type { AuditView } from 'tunnel-server';
import { connectVia } from './support/connect-client.js';
import { runClient, startTunnel, useWorld, WORLD_FLEET } from './support/developer.js';
import { addDevice } from './support/fixtures.js';
import { countingReplier, exchange, freePort, tcpServer } from './support/network.js';
import { run, SERVER_CLI } from './support/processes.js';


/** Admin commands as a named person would run them on the server host. */
const ACTOR_ENV = { USER: 'ops-alice', SUDO_USER: 'ops-alice' };

async function admin(dataDir: string, args: string[]): Promise<string> {
  const r = await run(SERVER_CLI, [...args, '--data', dataDir], { env: ACTOR_ENV });
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).to.equal(0);
  return r.stdout;
}

async function auditJson(dataDir: string, extra: string[] = []): Promise<AuditView[]> {
  return JSON.parse(await admin(dataDir, ['audit', '--json', '--limit', '1000', ...extra])) as AuditView[];
}

describe('audit trail: refused opens with source and access path, and admin actions with their actor (real CLI)', function () {
  this.timeout(180_000);
  const world = useWorld();

  it('records refused opens (unknown, offline, denied, device policy) and ok ones, each with source address and way in', async () => {
    const { server, user } = world;
    const sleeper = await addDevice(server.dataDir, server.port, { name: 'sleeper', extraArgs: ['--fleet', WORLD_FLEET] });
    const stranger = await addDevice(server.dataDir, server.port, { name: 'stranger' });
    const replier = await tcpServer('127.0.0.1', countingReplier);

    // ssh ProxyCommand (`device proxy`): unknown device, offline device, access denied, the device's own policy.
    const refusals: [string, string[], string][] = [
      ['unknown-device', ['nosuch-device', '22222'], 'ERR_OPEN_UNKNOWN_DEVICE'],
      ['device-offline', ['sleeper', '22222'], 'ERR_OPEN_DEVICE_OFFLINE'],
      ['access-denied', [stranger.uuid, '22222'], 'ERR_OPEN_ACCESS_DENIED'],
      ['port-not-allowed', ['pi-1', '22', '--target', '10.9.9.9'], 'ERR_OPEN_PORT_NOT_ALLOWED'],
    ];
    for (const [, args, code] of refusals) {
      const r = await runClient(user, ['device', 'proxy', ...args]);
      expect(r.code, r.stderr).to.equal(1);
      expect(r.stderr).to.contain(code);
    }
    // `device tunnel`, and HTTP CONNECT.
    const local = await freePort();
    const tunnel = await startTunnel(user, 'pi-1', ['-p', `${replier.port}:${local}`]);
    expect(await exchange(local, 'hi')).to.match(/^got 2 bytes/);
    await tunnel.kill();
    const connect = await connectVia(server.port, user.caFile, 'nosuch-device.balena:22222', { token: user.token });
    expect(connect.status).to.equal(404);
    connect.socket.destroy();

    const rows = (await auditJson(server.dataDir, ['--user', user.name])).filter((r) => r.kind === 'stream');
    const find = (result: string, via: string) => rows.find((r) => r.result === result && r.via === via);
    for (const [result] of refusals) {
      const row = find(result, 'proxy-command');
      expect(row, `${result} via proxy-command in ${JSON.stringify(rows)}`).to.not.equal(undefined);
      expect(row!.source).to.match(/^(::ffff:)?127\.0\.0\.1$/);
    }
    expect(find('unknown-device', 'proxy-command')!.device).to.equal('nosuch-device');
    expect(find('device-offline', 'proxy-command')!.device).to.equal(sleeper.uuid);
    expect(find('ok', 'tunnel')).to.include({ device: world.device.uuid, target: `127.0.0.1:${replier.port}` });
    expect(find('unknown-device', 'connect')!.source).to.match(/127\.0\.0\.1$/);

    const table = await admin(server.dataDir, ['audit', '--user', user.name]);
    expect(table.split('\n')[0]).to.match(/^STARTED\s+USER\s+DEVICE\s+TARGET\s+RESULT\s+UP\s+DOWN\s+DURATION\s+VIA\s+FROM\s+RECORDING$/);
    expect(table).to.match(/unknown-device\s.*proxy-command\s+(::ffff:)?127\.0\.0\.1/);
  });

  it('records device, user, token, fleet membership and support grant changes with the admin who made them', async () => {
    const { server } = world;
    const device = await addDevice(server.dataDir, server.port, { name: 'audited-pi' });
    await admin(server.dataDir, ['device', 'rm', 'audited-pi']);
    await admin(server.dataDir, ['user', 'add', 'temp', '--role', 'support']);
    await admin(server.dataDir, ['user', 'token', 'temp']);
    await admin(server.dataDir, ['fleet', 'member', 'add', WORLD_FLEET, 'temp']);
    await admin(server.dataDir, ['fleet', 'member', 'rm', WORLD_FLEET, 'temp']);
    await admin(server.dataDir, ['support', 'enable', '--device', 'pi-1', '--duration', '1h']);
    await admin(server.dataDir, ['support', 'disable', '--device', 'pi-1']);
    await admin(server.dataDir, ['user', 'rm', 'temp']);

    const actions = (await auditJson(server.dataDir)).filter((r) => r.kind === 'admin');
    const mine = actions.filter((r) => r.user === 'ops-alice').reverse();
    expect(mine.map((r) => [r.action, r.subject])).to.deep.equal([
      ['device-remove', 'audited-pi'],
      ['user-add', 'temp as support'],
      ['token-create', 'temp (the old token is revoked)'],
      ['fleet-member-add', `temp to fleet ${WORLD_FLEET}`],
      ['fleet-member-remove', `temp from fleet ${WORLD_FLEET}`],
      ['support-enable', mine[5]!.subject],
      ['support-disable', mine[6]!.subject],
      ['user-remove', 'temp'],
    ]);
    expect(mine[0]!.device).to.equal(device.uuid);
    expect(mine[5]!.subject).to.match(new RegExp(`^grant #\\d+: device ${world.device.uuid}, ports 22222, until \\d{4}-`));
    expect(mine[6]!.subject).to.equal(mine[5]!.subject);
    expect(mine[5]!.device).to.equal(world.device.uuid);
    expect(actions.find((r) => r.action === 'device-add' && r.device === device.uuid), 'device add, by whoever ran the fixture').to.include({ result: 'ok', subject: 'audited-pi' });
    const table = await admin(server.dataDir, ['audit', '--user', 'ops-alice']);
    expect(table).to.match(/ops-alice\s+-\s+user-add temp as support\s+ok\s.*admin\s/);
  });
});
