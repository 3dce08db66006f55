import { expect } from 'chai';
import { addDevice, eventually, startAgent } from './support/fixtures.js';
import { auditLog } from './support/audit.js';
import { addUser, deviceReady, runClient, startTunnel, useWorld, WORLD_FLEET } from './support/developer.js';
import { countingReplier, exchange, freePort, tcpServer } from './support/network.js';
import { Proc, run, SERVER_CLI } from './support/processes.js';
import { useSshd } from './support/sshd.js';

/** Opens a connection to a local tunnel port and returns the first line the tunnel prints for it. */
async function attempt(port: number): Promise<string> {
  try {
    return await exchange(port, 'ping');
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  }
}

async function admin(dataDir: string, args: string[]): Promise<string> {
  const r = await run(SERVER_CLI, [...args, '--data', dataDir]);
  if (r.code !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

describe('access control: fleets, roles and support grants (real processes)', function () {
  this.timeout(180_000);
  const world = useWorld();
  const sshd = useSshd();
  let replier: { port: number };

  before(async () => {
    replier = await tcpServer('127.0.0.1', countingReplier);
  });

  it('keeps a developer out of a fleet they are not in, without telling it exists, and lets an admin in', async () => {
    const { server } = world;
    await admin(server.dataDir, ['fleet', 'add', 'field']);
    const other = await addDevice(server.dataDir, server.port, { name: 'field-1', extraArgs: ['--fleet', 'field'] });
    const from = server.proc.logs.length;
    startAgent(other.file);
    await deviceReady(server, other.uuid, from);

    // Refused before any listener opens; a device out of reach is, to the developer, no device at all.
    const dev = await runClient(world.user, ['device', 'tunnel', 'field-1', '-p', `${replier.port}:${await freePort()}`]);
    expect(dev.code).to.equal(1);
    expect(dev.stderr).to.contain('no device matches "field-1"').and.contain('[ERR_UNKNOWN_DEVICE]').and.not.contain('"field"');

    const root = await addUser(server, 'root', 'admin');
    const adminLocal = await freePort();
    const adm = await startTunnel(root, 'field-1', ['-p', `${replier.port}:${adminLocal}`]);
    expect(await attempt(adminLocal)).to.match(/^got 4 bytes/);
    await adm.kill();

    // Joining the fleet is what lets the developer in.
    await admin(server.dataDir, ['fleet', 'member', 'add', 'field', 'dev']);
    const again = await startTunnel(world.user, 'field-1', ['-p', `${replier.port}:${await freePort()}`]);
    const port = Number(/Tunnel open: 127\.0\.0\.1:(\d+)/.exec(again.stdout)![1]);
    expect(await attempt(port)).to.match(/^got 4 bytes/);
    await again.kill();
  });

  it('lets support in while a grant is active, and not before; denies with the reason after support disable', async () => {
    const { server } = world;
    const helper = await addUser(server, 'helper', 'support');
    const short = world.device.uuid.slice(0, 7);
    const early = await runClient(helper, ['device', 'tunnel', 'pi-1', '-p', `${replier.port}:${await freePort()}`]);
    expect(early.code).to.equal(1);
    expect(early.stderr).to.contain('no device matches "pi-1"').and.contain('[ERR_UNKNOWN_DEVICE]');

    const granted = await admin(server.dataDir, ['support', 'enable', '--device', 'pi-1', '--duration', '1h', '--ports', `22222,${replier.port}`]);
    expect(granted).to.match(new RegExp(`^Support access #\\d+ to device ${world.device.uuid}, ports 22222, ${replier.port}, until `));
    const local = await freePort();
    const tunnel = await startTunnel(helper, 'pi-1', ['-p', `${replier.port}:${local}`]);
    expect(await attempt(local)).to.match(/^got 4 bytes/);
    const listed = JSON.parse(await admin(server.dataDir, ['support', 'list', '--json'])) as { state: string; ports: number[] }[];
    expect(listed).to.have.length(1);
    expect(listed[0]).to.include({ state: 'active' });

    expect(await admin(server.dataDir, ['support', 'disable', '--device', short])).to.match(/^Revoked support access #\d+ to device /);
    expect(await attempt(local)).to.not.match(/^got/);
    expect(await tunnel.waitForStdout(/Connection #2 [^\n]*failed[^\n]*/)).to.match(new RegExp(`access denied: support access to ${short} was revoked \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\dZ`));
    await tunnel.kill();

    // A grant that ends in the past or cannot be read is refused up front.
    for (const bad of ['-2h', 'soon', '0s']) {
      const r = await run(SERVER_CLI, ['support', 'enable', '--device', 'pi-1', '--duration', bad, '--data', server.dataDir]);
      expect(r.code, bad).to.equal(2);
      expect(r.stderr).to.contain(`--duration`);
    }
  });

  it('cuts an open ssh session through the tunnel the moment a 3-second grant runs out', async () => {
    const { server } = world;
    const helper = await addUser(server, 'night-shift', 'support');
    const local = await freePort();
    // A long grant on another port lets the tunnel start; the 3-second one covers ssh.
    await admin(server.dataDir, ['support', 'enable', '--device', 'pi-1', '--duration', '1h', '--ports', '9']);
    const tunnel = await startTunnel(helper, 'pi-1', ['-p', `${sshd.port}:${local}`]);
    await admin(server.dataDir, ['support', 'enable', '--device', 'pi-1', '--duration', '3s', '--ports', String(sshd.port)]);
    const grantedAt = Date.now();
    const ssh = new Proc('ssh', [...sshd.clientOptions, '-p', String(local), `${sshd.user}@127.0.0.1`, 'echo session-open; sleep 60']);
    await ssh.waitForStdout('session-open', 20_000);
    expect(Date.now() - grantedAt, 'ssh logged in while the grant held').to.be.lessThan(3_000);
    const { code } = await ssh.exited;
    const lasted = Date.now() - grantedAt;
    expect(code, 'ssh ended with an error, not its command').to.not.equal(0);
    expect(lasted, 'cut when the grant ended, long before sleep 60').to.be.lessThan(20_000);
    // The audit row closes once both halves of the stream have ended, a moment after ssh saw the reset.
    const row = await eventually(async () => (await auditLog(server.dataDir)).find((r) => r.user === 'night-shift' && r.targetPort === sshd.port && r.result !== null));
    expect(row.result).to.equal('access-revoked');
    await server.proc.waitForLog((l) => l.msg === 'access ended: closing a live stream' && l['user'] === 'night-shift' && String(l['reason']).includes('expired'));
    await tunnel.kill();
  });

  // The server keeps what a session's opens read from the registry (session-access-cache.ts) while
  // nothing changed: a change an admin command makes must refuse the very next stream on the same
  // session, and every stream is still audited.
  it('refuses the next stream on the same session once the user left the fleet, and lets it in again after rejoining', async () => {
    const { server } = world;
    const person = await addUser(server, 'cached', 'developer');
    const local = await freePort();
    const tunnel = await startTunnel(person, 'pi-1', ['-p', `${replier.port}:${local}`]);
    // Several opens on one session: the later ones are answered from what the first one read.
    for (let i = 0; i < 3; i++) expect(await attempt(local)).to.match(/^got 4 bytes/);

    await admin(server.dataDir, ['fleet', 'member', 'rm', WORLD_FLEET, 'cached']);
    expect(await attempt(local)).to.not.match(/^got/);
    expect(await tunnel.waitForStdout(/Connection #4 [^\n]*failed[^\n]*/)).to.contain('access denied').and.contain(`not a member of fleet "${WORLD_FLEET}"`);

    await admin(server.dataDir, ['fleet', 'member', 'add', WORLD_FLEET, 'cached']);
    expect(await attempt(local)).to.match(/^got 4 bytes/);

    const rows = await eventually(async () => {
      const mine = (await auditLog(server.dataDir)).filter((r) => r.user === 'cached');
      return mine.length === 5 && mine.every((r) => r.result !== null) ? mine : undefined;
    });
    expect(rows.map((r) => r.result).sort()).to.deep.equal(['access-denied', 'ok', 'ok', 'ok', 'ok']);
    await tunnel.kill();
  });

  it('refuses the next stream on the same session once its token was rotated', async () => {
    const { server } = world;
    const person = await addUser(server, 'rotated', 'developer');
    const local = await freePort();
    const tunnel = await startTunnel(person, 'pi-1', ['-p', `${replier.port}:${local}`]);
    for (let i = 0; i < 2; i++) expect(await attempt(local)).to.match(/^got 4 bytes/);
    await admin(server.dataDir, ['user', 'token', 'rotated']);
    expect(await attempt(local)).to.not.match(/^got/);
    expect(await tunnel.waitForStdout(/Connection #3 [^\n]*failed[^\n]*/)).to.contain('access denied');
    await tunnel.kill();
  });

  it('records every stream in the audit log, which `tunnel-server audit` filters by device, user and time', async () => {
    const { server } = world;
    const all = JSON.parse(await admin(server.dataDir, ['audit', '--json'])) as { user: string; result: string; device: string; bytesUp: number }[];
    expect(all.map((a) => a.result)).to.include.members(['ok', 'access-denied', 'access-revoked']);
    const helpers = JSON.parse(await admin(server.dataDir, ['audit', '--user', 'helper', '--json'])) as { user: string }[];
    expect(helpers.length).to.be.greaterThan(0);
    expect(helpers.every((a) => a.user === 'helper')).to.equal(true);
    const mine = JSON.parse(await admin(server.dataDir, ['audit', '--device', 'pi-1', '--since', '1h', '--json'])) as { device: string }[];
    expect(mine.every((a) => a.device === world.device.uuid)).to.equal(true);
    const none = JSON.parse(await admin(server.dataDir, ['audit', '--since', '2099-01-01T00:00:00Z', '--json'])) as unknown[];
    expect(none).to.deep.equal([]);
    const table = await admin(server.dataDir, ['audit', '--limit', '3']);
    expect(table.split('\n')[0]).to.match(/^STARTED\s+USER\s+DEVICE\s+TARGET\s+RESULT\s+UP\s+DOWN\s+DURATION/);
  });
});
