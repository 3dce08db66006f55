import { expect } from 'chai';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import path from 'node:path';
import { auditLog } from './support/audit.js';
import { startTunnel, useWorld } from './support/developer.js';
import { eventually } from './support/fixtures.js';
import { preferredPort } from './support/network.js';
import { CLIENT_CLI, tempDir } from './support/processes.js';
import { runProgram } from './support/programs.js';
import { useSshd } from './support/sshd.js';

const FILE_BYTES = 50 * 1024 * 1024;

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(file)
      .on('data', (c) => hash.update(c))
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

describe('ssh to a device through the tunnel (the seed workflow, real OpenSSH)', function () {
  this.timeout(600_000);
  const world = useWorld();
  // The device serves its own sshd on the seed's port through its loopback; nothing else needed.
  const sshd = useSshd();
  let dir: string;
  let original: string;
  let originalHash: string;
  let uname: string;

  before(async () => {
    dir = tempDir('tunnel-scp-');
    original = path.join(dir, 'original.bin');
    writeFileSync(original, randomBytes(FILE_BYTES));
    originalHash = await sha256(original);
    uname = (await runProgram('uname', ['-a'])).stdout.trim();
  });

  /** scp up and back down through whatever `target` options reach the device, hashes compared. */
  async function scpRoundTrip(options: string[], host: string, name: string): Promise<void> {
    const remote = path.join(dir, `${name}.remote`);
    const back = path.join(dir, `${name}.back`);
    const up = await runProgram('scp', [...sshd.clientOptions, ...options, original, `${sshd.user}@${host}:${remote}`], { env: world.user.env });
    expect(up.code, up.stderr).to.equal(0);
    expect(await sha256(remote)).to.equal(originalHash);
    const down = await runProgram('scp', [...sshd.clientOptions, ...options, `${sshd.user}@${host}:${remote}`, back], { env: world.user.env });
    expect(down.code, down.stderr).to.equal(0);
    expect(await sha256(back)).to.equal(originalHash);
  }

  it(`device tunnel -p ${22222}:4321, then ssh -p 4321 'uname -a' and scp of 50 MiB both ways`, async () => {
    const { device, user } = world;
    const local = await preferredPort(4321);
    const tunnel = await startTunnel(user, device.uuid, ['-p', `${sshd.port}:${local}`]);
    expect(tunnel.stdout).to.contain(`Tunnel open: 127.0.0.1:${local} -> ${device.uuid.slice(0, 7)}:${sshd.port}\nWaiting for connections...`);

    const ssh = await runProgram('ssh', [...sshd.clientOptions, '-p', String(local), `${sshd.user}@127.0.0.1`, 'uname -a']);
    expect(ssh.code, ssh.stderr).to.equal(0);
    expect(ssh.stdout.trim()).to.equal(uname);

    await scpRoundTrip(['-P', String(local)], '127.0.0.1', 'tunnel');

    // Every connection was reported with its bytes each way: ssh, the scp upload, the scp download.
    await tunnel.waitForStdout('Connection #3 closed');
    expect(tunnel.stdout).to.match(/Connection #1 from 127\.0\.0\.1:\d+ to [0-9a-f]{7}:\d+ opened/);
    expect(tunnel.stdout).to.match(/Connection #1 closed: [\d.]+ KiB sent, [\d.]+ KiB received in [\d.]+ (ms|s)/);
    expect(tunnel.stdout).to.match(/Connection #2 closed: 5\d\.\d MiB sent, [\d.]+ KiB received/);
    expect(tunnel.stdout).to.match(/Connection #3 closed: [\d.]+ KiB sent, 5\d\.\d MiB received/);
    const streams = await eventually(async () => {
      const rows = (await auditLog(world.server.dataDir)).filter((r) => r.targetPort === sshd.port && r.result !== null);
      return rows.length >= 3 ? rows : undefined;
    });
    expect(streams.every((r) => r.user === 'dev' && r.deviceUuid === device.uuid && r.result === 'ok')).to.equal(true);
    expect(Math.max(...streams.map((r) => r.bytesUp))).to.be.greaterThan(FILE_BYTES);
    expect(Math.max(...streams.map((r) => r.bytesDown))).to.be.greaterThan(FILE_BYTES);
  });

  it("the same through ProxyCommand='tunnel-client device proxy %h 22222'", async () => {
    const { device, user } = world;
    const proxy = ['-o', `ProxyCommand=${process.execPath} ${CLIENT_CLI} device proxy %h ${sshd.port}`];
    const ssh = await runProgram('ssh', [...sshd.clientOptions, ...proxy, `${sshd.user}@${device.uuid}`, 'uname -a'], { env: user.env });
    expect(ssh.code, ssh.stderr).to.equal(0);
    expect(ssh.stdout.trim()).to.equal(uname);
    // The `.balena` host form that a `Host *.balena` block in ~/.ssh/config uses, with the device's name.
    await scpRoundTrip(proxy, 'pi-1.balena', 'proxy');
  });
});
