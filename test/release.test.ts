import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addUser, deviceReady, startTunnel, WORLD_FLEET, type UserHandle } from './support/developer.js';
import { addDevice, startServer, startServerWithDevice } from './support/fixtures.js';
import { cleanupServers, countingReplier, exchange, freePort, tcpServer } from './support/network.js';
import { cleanup, Proc, run, SERVER_CLI, tempDir } from './support/processes.js';
import { runProgram } from './support/programs.js';
import { startSshd } from './support/sshd.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const releaseDir = path.join(root, 'release');
const { version } = JSON.parse(readFileSync(path.join(root, 'packages/tunnel-client/package.json'), 'utf8')) as { version: string };
/** Debian's arm64 loader and libraries (libc6-arm64-cross and friends), for qemu-aarch64 -L. */
const ARM64_SYSROOT = '/usr/aarch64-linux-gnu';

/** A directory holding nothing but a copy of the binary; PATH points there only, so no node is found. */
function bareInstall(arch: string): { dir: string; binary: string; env: NodeJS.ProcessEnv } {
  const dir = tempDir('tunnel-sea-');
  const binary = path.join(dir, 'tunnel-client');
  copyFileSync(path.join(releaseDir, `tunnel-client-linux-${arch}`), binary);
  const home = tempDir('tunnel-sea-home-');
  return { dir, binary, env: { PATH: dir, HOME: home, XDG_CONFIG_HOME: home, NODE_PATH: '', NODE_OPTIONS: '' } };
}

describe('npm run release: single executables of tunnel-client', function () {
  this.timeout(240_000);
  after(async () => {
    await cleanup();
    await cleanupServers();
  });

  before(async function () {
    // The first build fetches two Node.js binaries (~43 MB each) through npm; later ones use its cache.
    this.timeout(900_000);
    const built = await run(path.join(root, 'scripts/release.mjs'), [], { cwd: root, timeoutMs: 900_000 });
    expect(built.code, built.stderr).to.equal(0);
  });

  it('lists a SHA-256 for each binary in SHA256SUMS', () => {
    const lines = readFileSync(path.join(releaseDir, 'SHA256SUMS'), 'utf8').trim().split('\n');
    const sums = lines.map((line) => line.split('  '));
    expect(sums.map(([, name]) => name)).to.deep.equal(['tunnel-client-linux-x64', 'tunnel-client-linux-arm64']);
    for (const [sum, name] of sums) {
      expect(createHash('sha256').update(readFileSync(path.join(releaseDir, name!))).digest('hex'), name).to.equal(sum);
    }
  });

  it('runs --help and --version (linux-x64) from an empty directory with no node on PATH', async () => {
    const { dir, binary, env } = bareInstall('x64');
    const versionRun = await runProgram(binary, ['--version'], { cwd: dir, env });
    expect(versionRun.code, versionRun.stderr).to.equal(0);
    expect(versionRun.stdout.trim()).to.equal(version);
    const help = await runProgram(binary, ['--help'], { cwd: dir, env });
    expect(help.code, help.stderr).to.equal(0);
    expect(help.stdout).to.contain('agent').and.to.contain('device');
    // No warning of Node's: neither the experimental-feature notice nor require() of a non-builtin.
    expect(versionRun.stderr + help.stderr).to.equal('');
  });

  describe('the linux-x64 binary at both ends: device agent and developer CLI', () => {
    let user: UserHandle;
    let developer: ReturnType<typeof bareInstall>;

    before(async () => {
      const server = await startServer();
      const fleet = await run(SERVER_CLI, ['fleet', 'add', WORLD_FLEET, '--data', server.dataDir]);
      expect(fleet.code, fleet.stderr).to.equal(0);
      const device = await addDevice(server.dataDir, server.port, { name: 'sea-1', extraArgs: ['--fleet', WORLD_FLEET] });
      const deviceSide = bareInstall('x64');
      const config = path.join(deviceSide.dir, 'config.json');
      copyFileSync(device.file, config);
      const agent = new Proc(deviceSide.binary, ['agent', '--config', config], { cwd: deviceSide.dir, env: deviceSide.env });
      const connected = await agent.waitForLog((l) => l.msg === 'connected', 60_000);
      expect(connected['sessionId']).to.be.a('string');
      await deviceReady(server, device.uuid);
      user = await addUser(server);
      developer = bareInstall('x64');
    });

    it('carries a device tunnel', async () => {
      const replier = await tcpServer('127.0.0.1', countingReplier);
      const local = await freePort();
      const tunnel = await startTunnel(user, 'sea-1', ['-p', `${replier.port}:${local}`], developer.env, developer.binary);
      expect(await exchange(local, 'hello')).to.match(/^got 5 bytes [0-9a-f]{64}$/);
      await tunnel.kill();
    });

    it('runs a command over ssh with itself as the ProxyCommand', async () => {
      const sshd = await startSshd();
      // ssh alone joins the binary on PATH: still no node to fall back on.
      symlinkSync(execFileSync('sh', ['-c', 'command -v ssh'], { encoding: 'utf8' }).trim(), path.join(developer.dir, 'ssh'));
      const quiet = ['-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-o', 'IdentitiesOnly=yes'];
      const r = await runProgram(developer.binary, ['ssh', 'sea-1', '-p', String(sshd.port), '-l', sshd.user, '-i', sshd.clientKey, ...quiet, '--', 'echo', 'through-the-tunnel'], {
        cwd: developer.dir,
        env: { ...user.env, ...developer.env },
      });
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout.trim()).to.equal('through-the-tunnel');
    });
  });

  it('runs --version and connects as a device agent (linux-arm64, under qemu-aarch64)', async () => {
    const { dir, binary, env } = bareInstall('arm64');
    const qemu = ['-L', ARM64_SYSROOT, binary];
    const qemuEnv = { ...env, PATH: process.env['PATH'] };
    const r = await runProgram('qemu-aarch64', [...qemu, '--version'], { cwd: dir, env: qemuEnv });
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(version);

    const { server, device } = await startServerWithDevice('sea-arm64');
    // Emulated, V8 starts in seconds rather than milliseconds: a generous wait.
    const agent = new Proc('qemu-aarch64', [...qemu, 'agent', '--config', device.file], { cwd: dir, env: qemuEnv });
    const connected = await agent.waitForLog((l) => l.msg === 'connected', 150_000);
    expect(connected['sessionId']).to.be.a('string');
    await deviceReady(server, device.uuid);
  });
});
