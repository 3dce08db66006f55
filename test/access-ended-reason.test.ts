import { expect } from 'chai';
import { addUser, startTunnel, useWorld } from './support/developer.js';
import { freePort } from './support/network.js';
import { CLIENT_CLI, Proc, run, SERVER_CLI } from './support/processes.js';
import { runProgram } from './support/programs.js';
import { useSshd } from './support/sshd.js';

async function grant(dataDir: string, duration: string, port: number): Promise<void> {
  const r = await run(SERVER_CLI, ['support', 'enable', '--device', 'pi-1', '--duration', duration, '--ports', String(port), '--data', dataDir]);
  if (r.code !== 0) throw new Error(`support enable failed: ${r.stderr}`);
}

/** "support access to 3f2a9c1 expired 2026-12-02T11:20Z" as the server words it, with the code the CLI adds. */
const EXPIRED = /access ended: support access to [0-9a-f]{7} expired \d{4}-\d\d-\d\dT\d\d:\d\dZ \[ERR_STREAM_ACCESS_ENDED\]/;

describe('a stream cut because support access expired tells the developer so (real ssh, real CLI processes)', function () {
  this.timeout(180_000);
  const world = useWorld();
  const sshd = useSshd();

  it('device tunnel: the connection line says "support access expired", once, with no log line besides it', async () => {
    const { server } = world;
    const helper = await addUser(server, 'night-shift', 'support');
    const local = await freePort();
    await grant(server.dataDir, '1h', 9);
    // At the CLI's default log level, as people run it (the test environment asks for more).
    const tunnel = await startTunnel(helper, 'pi-1', ['-p', `${sshd.port}:${local}`], { LOG_LEVEL: 'warn' });
    await grant(server.dataDir, '3s', sshd.port);
    const ssh = new Proc('ssh', [...sshd.clientOptions, '-p', String(local), `${sshd.user}@127.0.0.1`, 'echo session-open; sleep 60']);
    await ssh.waitForStdout('session-open', 20_000);
    const { code } = await ssh.exited;
    expect(code).to.not.equal(0);
    const line = await tunnel.waitForStdout(/Connection #1 closed: [^\n]*/, 20_000);
    expect(line).to.match(EXPIRED);
    expect(line).not.to.contain('reset');

    // A refused open: reported on its line, not repeated as a log line on stderr.
    const refused = await runProgram('ssh', [...sshd.clientOptions, '-p', String(local), `${sshd.user}@127.0.0.1`, 'true']);
    expect(refused.code).to.not.equal(0);
    await tunnel.waitForStdout(/Connection #2 [^\n]*failed: access denied \(access denied: support access to [0-9a-f]{7} expired/);
    expect(tunnel.stdout.match(/expired/g)).to.have.length(2);
    expect(tunnel.stderr).to.equal('');
    await tunnel.kill();
  });

  it('ssh ProxyCommand: ssh shows the reason under its own error, once', async () => {
    const { device, server } = world;
    const helper = await addUser(server, 'late-shift', 'support');
    await grant(server.dataDir, '3s', sshd.port);
    const proxy = ['-o', `ProxyCommand=${process.execPath} ${CLIENT_CLI} device proxy %h ${sshd.port}`];
    const ssh = await runProgram('ssh', [...sshd.clientOptions, ...proxy, `${sshd.user}@${device.uuid}`, 'echo session-open; sleep 60'], { env: helper.env });
    expect(ssh.code).to.not.equal(0);
    expect(ssh.stdout).to.contain('session-open');
    expect(ssh.stderr).to.match(new RegExp(`tunnel-client: the connection to ${device.uuid} port ${sshd.port} broke: ${EXPIRED.source}`));
    expect(ssh.stderr.match(/expired/g)).to.have.length(1);
  });
});
