import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { addDevice, startAgent, startServer } from './support/fixtures.js';
import { cleanup, run, SERVER_CLI, tempDir } from './support/processes.js';

describe('the server data directory', function () {
  this.timeout(120_000);
  after(cleanup);

  const adminCommands: Array<[string, string[]]> = [
    ['device add', ['device', 'add', '--endpoint', 'tunnel.example.test']],
    ['device list', ['device', 'list']],
    ['user add', ['user', 'add', 'alice', '--role', 'admin']],
    ['fleet add', ['fleet', 'add', 'field']],
    ['ca', ['ca']],
  ];

  for (const [name, args] of adminCommands) {
    it(`${name} run from the wrong place creates nothing and names the directory it looked in`, async () => {
      const cwd = tempDir('tunnel-cwd-');
      const missing = path.join(tempDir('tunnel-parent-'), 'not-here');
      const r = await run(SERVER_CLI, args, { cwd, env: { TUNNEL_DATA: missing } });
      expect(r.code, r.stderr).to.not.equal(0);
      expect(r.stderr).to.contain(missing);
      expect(r.stderr).to.match(/ERR_REGISTRY_MISSING|ERR_DATA_CA_MISSING/);
      expect(r.stderr).to.contain(`tunnel-server init --data ${missing}`);
      expect(r.stdout).to.equal('');
      expect(existsSync(missing), 'the data directory must not be created').to.equal(false);
      expect(readdirSync(cwd)).to.deep.equal([]);
    });
  }

  it('without --data or TUNNEL_DATA, admin commands look in /var/lib/tunnel-server', async function () {
    if (existsSync('/var/lib/tunnel-server')) this.skip();
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env['TUNNEL_DATA'];
    const r = await run(SERVER_CLI, ['device', 'list'], { cwd: tempDir('tunnel-cwd-'), env });
    expect(r.code).to.not.equal(0);
    expect(r.stderr).to.contain('/var/lib/tunnel-server/registry.db');
  });

  it('init creates a directory that device add provisions from and start serves: the device connects', async () => {
    const dataDir = path.join(tempDir('tunnel-parent-'), 'data');
    const init = await run(SERVER_CLI, ['init', '--data', dataDir]);
    expect(init.code, init.stderr).to.equal(0);
    for (const f of ['registry.db', 'identity.key', 'ca.pem', 'ca.key']) expect(existsSync(path.join(dataDir, f)), f).to.equal(true);
    // Provisioned before the server ever ran.
    const device = await addDevice(dataDir, 1);
    const again = await run(SERVER_CLI, ['init', '--data', dataDir]);
    expect(again.code, again.stderr).to.equal(0);

    const server = await startServer({ dataDir });
    const agent = startAgent(device.file, ['--vpn-port', String(server.port)]);
    await agent.waitForLog((l) => l.msg === 'connected');
  });
});
