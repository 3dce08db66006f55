import { expect } from 'chai';
import { spawnClient, runClient, useWorld } from './support/developer.js';
import { cleanupServers, countingReplier, exchange, freePort, tcpServer } from './support/network.js';
import { runProgram } from './support/programs.js';
import { startSshd, type SshdHandle } from './support/sshd.js';

describe('tunnel-client ssh (real OpenSSH)', function () {
  this.timeout(180_000);
  const world = useWorld();
  let sshd: SshdHandle;
  let quiet: string[];

  before(async () => {
    sshd = await startSshd();
    quiet = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes'];
  });
  after(cleanupServers);

  it('runs a command on the device in one step, passing user, port and -i to ssh', async () => {
    const uname = (await runProgram('uname', ['-a'])).stdout.trim();
    const r = await runClient(world.user, ['ssh', world.device.uuid, '-p', String(sshd.port), '-l', sshd.user, '-i', sshd.clientKey, ...quiet, '--', 'uname', '-a']);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(uname);
    // The token reaches the ProxyCommand through the environment, not its command line.
    expect(r.stderr).to.not.contain(world.user.token);
  });

  it("passes ssh's exit status through", async () => {
    const r = await runClient(world.user, ['ssh', 'pi-1', '-p', String(sshd.port), '-l', sshd.user, '-i', sshd.clientKey, ...quiet, '--', 'exit 7']);
    expect(r.code, r.stderr).to.equal(7);
  });

  it('passes -L through: a local port reaches a service on the device while the session lasts', async () => {
    const replier = await tcpServer('127.0.0.1', countingReplier);
    const local = await freePort();
    const session = spawnClient(world.user, [
      'ssh', 'pi-1', '-p', String(sshd.port), '-l', sshd.user, '-i', sshd.clientKey, ...quiet,
      '-L', `127.0.0.1:${local}:127.0.0.1:${replier.port}`, '--', 'sleep 60',
    ]);
    const deadline = Date.now() + 30_000;
    let answer = '';
    while (Date.now() < deadline) {
      answer = await exchange(local, 'forwarded').catch(() => '');
      if (answer !== '') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(answer).to.match(/^got 9 bytes/);
    await session.kill();
  });
});
