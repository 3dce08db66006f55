import { expect } from 'chai';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServerWithDevice } from './support/fixtures.js';
import { cleanup, run, spawnNode, tempDir } from './support/processes.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('single-file agent bundle', function () {
  this.timeout(120_000);
  after(cleanup);

  it('runs from a directory without node_modules and connects as a device', async () => {
    const built = await run(path.join(root, 'scripts/bundle.mjs'), [], { cwd: root });
    expect(built.code, built.stderr).to.equal(0);
    const deviceDir = tempDir('tunnel-device-root-');
    const agentFile = path.join(deviceDir, 'tunnel-client.mjs');
    copyFileSync(path.join(root, 'packages/tunnel-client/bundle/tunnel-client.mjs'), agentFile);

    const help = await run(agentFile, ['agent', '--help'], { cwd: deviceDir });
    expect(help.stdout).to.contain('Run the device agent');

    const { device } = await startServerWithDevice();
    const agent = spawnNode(agentFile, ['agent', '--config', device.file], { cwd: deviceDir });
    const connected = await agent.waitForLog((l) => l.msg === 'connected');
    expect(connected['sessionId']).to.be.a('string');
  });
});
