import { expect } from 'chai';
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { cleanup, run, SERVER_CLI, spawnNode, tempDir } from './support/processes.js';

/** `start --config` with `config` written to a fresh data directory, which serves as --data too. */
async function startWithConfig(config: Record<string, unknown>): Promise<{ dir: string; refused: Awaited<ReturnType<typeof run>> }> {
  const dir = tempDir();
  const file = path.join(dir, 'server.json');
  writeFileSync(file, JSON.stringify(config));
  return { dir, refused: await run(SERVER_CLI, ['start', '--config', file, '--data', dir]) };
}

describe('tunnel-server start', function () {
  this.timeout(60_000);
  after(cleanup);

  it('explains how to fix a bind on 443 without the privilege', async () => {
    // As root, drop just the capability that allows binding ports below 1024.
    const wrapper = process.getuid?.() === 0 ? ['setpriv', '--bounding-set=-net_bind_service'] : [];
    const proc = spawnNode(SERVER_CLI, ['start', '--data', tempDir(), '--port', '443', '--host', '127.0.0.1'], { wrapper });
    const { code } = await proc.exited;
    expect(code).to.equal(1);
    expect(proc.stderr).to.contain('ports below 1024 need privilege');
    expect(proc.stderr).to.contain('setcap cap_net_bind_service');
    expect(proc.stderr).to.contain('--port 8443');
    expect(proc.stderr).to.contain('[ERR_BIND_PRIVILEGED_PORT]');
  });

  it('creates a development CA and server certificate on first start and reuses them', async () => {
    const dataDir = tempDir();
    const first = spawnNode(SERVER_CLI, ['start', '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--hostname', 'tunnel.example.test']);
    await first.waitForLog((l) => l.msg === 'tunnel server listening' && l['tls'] === 'development-ca');
    await first.kill('SIGTERM');
    for (const f of ['ca.pem', 'ca.key', 'server.pem', 'server.key', 'identity.key', 'registry.db']) {
      expect(existsSync(path.join(dataDir, f)), f).to.equal(true);
    }
    const ca1 = await run(SERVER_CLI, ['ca', '--data', dataDir]);
    const second = spawnNode(SERVER_CLI, ['start', '--data', dataDir, '--port', '0', '--host', '127.0.0.1', '--hostname', 'tunnel.example.test']);
    await second.waitForLog((l) => l.msg === 'tunnel server listening');
    await second.kill('SIGTERM');
    const ca2 = await run(SERVER_CLI, ['ca', '--data', dataDir]);
    expect(ca1.stdout).to.match(/^-----BEGIN CERTIFICATE-----/);
    expect(ca2.stdout).to.equal(ca1.stdout);
  });

  it('refuses an unknown key in --config, listing the known ones', async () => {
    const { refused: r } = await startWithConfig({ prot: 8443 });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('unknown key "prot"');
    expect(r.stderr).to.contain('known keys: host, port');
  });

  it('refuses a bad web terminal setting in --config or on the command line, saying what is expected', async () => {
    const { dir, refused: r } = await startWithConfig({ terminalSshPort: 70000 });
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain('server config key terminalSshPort must be a port number from 1 to 65535');
    const small = await run(SERVER_CLI, ['start', '--recording-max-bytes', '100', '--data', dir]);
    expect(small.code).to.not.equal(0);
    expect(small.stderr).to.contain('--recording-max-bytes').and.to.contain('at least 4096');
  });
});
