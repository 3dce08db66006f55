import { expect } from 'chai';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanup, Proc, spawnNode, SERVER_CLI, tempDir } from './support/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const units = path.join(root, 'packaging/systemd');
const SYSTEMD_ANALYZE = '/usr/bin/systemd-analyze';

async function analyze(args: string[]): Promise<{ code: number | null; output: string }> {
  const proc = new Proc(SYSTEMD_ANALYZE, args, { cwd: units });
  const { code } = await proc.exited;
  return { code, output: proc.stdout + proc.stderr };
}

describe('systemd units as shipped', function () {
  this.timeout(120_000);
  after(cleanup);

  for (const [unit, binary] of [
    ['tunnel-server.service', '/usr/local/bin/tunnel-server'],
    ['tunnel-agent.service', '/usr/local/bin/tunnel-client'],
  ] as const) {
    it(`${unit}: systemd-analyze verify is clean and security --offline scores at most 2.0`, async function () {
      const verify = await analyze(['verify', path.join(units, unit)]);
      // On a machine where the commands are not installed, the one thing verify may report is that.
      const complaints = verify.output
        .split('\n')
        .filter((l) => l.trim() !== '')
        .filter((l) => existsSync(binary) || !l.includes(`Command ${binary} is not executable`));
      expect(complaints, verify.output).to.deep.equal([]);

      const security = await analyze(['security', '--offline=true', '--threshold=20', path.join(units, unit)]);
      expect(security.code, security.output).to.equal(0);
      const score = /Overall exposure level for \S+: (\d+\.\d)/.exec(security.output);
      expect(score, security.output).to.not.equal(null);
      expect(Number(score![1])).to.be.at.most(2.0);
    });
  }

  it('the shipped server config.json is one tunnel-server start accepts', async () => {
    const config = path.join(root, 'packaging/etc/tunnel-server/config.json');
    const server = spawnNode(SERVER_CLI, ['start', '--config', config, '--data', tempDir('tunnel-data-'), '--host', '127.0.0.1', '--port', '0']);
    const listening = await server.waitForLog((l) => l.msg === 'tunnel server listening');
    expect(listening['port']).to.be.a('number');
  });
});
