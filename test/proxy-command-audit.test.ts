import { expect } from 'chai';
import { auditLog } from './support/audit.js';
import { useWorld } from './support/developer.js';
import { eventually } from './support/fixtures.js';
import { CLIENT_CLI } from './support/processes.js';
import { runProgram } from './support/programs.js';
import { useSshd } from './support/sshd.js';

describe('ssh ProxyCommand sessions in the audit log (real OpenSSH)', function () {
  this.timeout(180_000);
  const world = useWorld();
  const sshd = useSshd();

  it('a session that ssh ends normally is audited as ok, not reset', async () => {
    const { device, user } = world;
    // ssh signals its ProxyCommand (SIGHUP) as it exits; that must not turn a clean end into a reset.
    const proxy = ['-o', `ProxyCommand=${process.execPath} ${CLIENT_CLI} device proxy %h ${sshd.port}`];
    for (const command of ['true', 'echo done']) {
      const ssh = await runProgram('ssh', [...sshd.clientOptions, ...proxy, `${sshd.user}@${device.uuid}`, command], { env: user.env });
      expect(ssh.code, ssh.stderr).to.equal(0);
    }
    const rows = await eventually(async () => {
      const done = (await auditLog(world.server.dataDir)).filter((r) => r.targetPort === sshd.port && r.result !== null);
      return done.length >= 2 ? done : undefined;
    });
    expect(rows.map((r) => r.result)).to.deep.equal(['ok', 'ok']);
  });
});
