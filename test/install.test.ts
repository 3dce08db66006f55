import { expect } from 'chai';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerWithDevice } from './support/fixtures.js';
import { cleanup, Proc, run, tempDir } from './support/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function npm(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const proc = new Proc('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd });
  const { code } = await proc.exited;
  return { code, stdout: proc.stdout, stderr: proc.stderr };
}

describe('installing the commands', function () {
  this.timeout(300_000);
  after(cleanup);

  it('npm links tunnel-server and tunnel-client into node_modules/.bin of a clone', async () => {
    for (const name of ['tunnel-server', 'tunnel-client']) {
      const bin = path.join(root, 'node_modules/.bin', name);
      expect(statSync(bin).mode & 0o111, `${bin} must be executable`).to.not.equal(0);
      const r = await npm(['exec', '--', name, '--version'], root);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout.trim()).to.match(/^\d+\.\d+\.\d+$/);
    }
  });

  it('npm pack gives a client tarball that npm install -g installs offline and that connects as a device', async () => {
    const packDir = tempDir('tunnel-pack-');
    const packed = await npm(['pack', '-w', 'packages/tunnel-client', '--pack-destination', packDir], root);
    expect(packed.code, packed.stderr).to.equal(0);
    // postpack took the vendored copies away again: the workspace is as it was.
    expect(() => statSync(path.join(root, 'packages/tunnel-client/node_modules'))).to.throw();
    const tarball = readdirSync(packDir).find((f) => f.endsWith('.tgz'));
    expect(tarball).to.be.a('string');

    // --offline: everything the client needs, @tunnel/protocol included, is inside the tarball.
    const prefix = tempDir('tunnel-prefix-');
    const installed = await npm(['install', '-g', '--offline', '--prefix', prefix, path.join(packDir, tarball!)], packDir);
    expect(installed.code, installed.stderr).to.equal(0);
    const command = path.join(prefix, 'bin/tunnel-client');

    const elsewhere = tempDir('tunnel-elsewhere-');
    const help = await run(command, ['--help'], { cwd: elsewhere });
    expect(help.code, help.stderr).to.equal(0);
    expect(help.stdout).to.contain('Usage: tunnel-client');

    const { device } = await startServerWithDevice();
    const agent = new Proc(command, ['agent', '--config', device.file], { cwd: elsewhere });
    const connected = await agent.waitForLog((l) => l.msg === 'connected');
    expect(connected['sessionId']).to.be.a('string');
  });
});
