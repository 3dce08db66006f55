import { expect } from 'chai';
import { addDevice, eventually, FAST_AGENT_ARGS, startAgent } from './support/fixtures.js';
import { apiGet, useWorld, WORLD_FLEET } from './support/developer.js';
import { configVariant } from './support/hostile-fixtures.js';
import { NO_PROXY_ENV } from './support/network.js';
import { CLIENT_CLI, run } from './support/processes.js';

/** What the dashboard builds its warnings from. */
interface Warnings {
  authFailures: number;
  lastError: { code: string } | null;
}

describe('device warnings clear once a good session or heartbeat follows (dashboard data, real agents)', function () {
  this.timeout(180_000);
  const world = useWorld();

  async function warnings(name: string): Promise<Warnings> {
    return JSON.parse((await apiGet(world.server, `/v1/devices/${name}`, world.user.token)).text) as Warnings;
  }

  /** One failed tunnel authentication with a wrong key, leaving a warning behind. */
  async function failOnce(wrongFile: string, name: string): Promise<void> {
    const impostor = startAgent(wrongFile, [...FAST_AGENT_ARGS, '--no-heartbeat'], { env: NO_PROXY_ENV });
    await impostor.waitForLog((l) => l.msg === 'connection failed' && l.code === 'ERR_AUTH_BAD_KEY');
    await impostor.kill();
    const left = await warnings(name);
    expect(left.lastError?.code).to.equal('ERR_AUTH_BAD_KEY');
    expect(left.authFailures).to.be.at.least(1);
  }

  it('a good tunnel session clears the last error and the failure count', async () => {
    const device = await addDevice(world.server.dataDir, world.server.port, { name: 'fixed-by-session', extraArgs: ['--fleet', WORLD_FLEET] });
    await failOnce(configVariant(device, { deviceApiKey: 'd'.repeat(64) }), 'fixed-by-session');

    const agent = startAgent(device.file, [...FAST_AGENT_ARGS, '--no-heartbeat'], { env: NO_PROXY_ENV });
    await agent.waitForLog((l) => l.msg === 'connected');
    const after = await eventually(async () => {
      const w = await warnings('fixed-by-session');
      return w.lastError === null ? w : undefined;
    });
    expect(after.authFailures).to.equal(0);
    await agent.kill();
  });

  it('a good heartbeat clears them too (a device whose tunnel port is blocked still heartbeats)', async () => {
    const device = await addDevice(world.server.dataDir, world.server.port, { name: 'fixed-by-heartbeat', extraArgs: ['--fleet', WORLD_FLEET] });
    const wrong = configVariant(device, { deviceApiKey: 'd'.repeat(64) });
    await failOnce(wrong, 'fixed-by-heartbeat');
    const refused = await run(CLIENT_CLI, ['heartbeat', '--config', wrong], { env: NO_PROXY_ENV });
    expect(refused.code).to.equal(1);
    expect((await warnings('fixed-by-heartbeat')).authFailures).to.be.at.least(2);

    const good = await run(CLIENT_CLI, ['heartbeat', '--config', device.file], { env: NO_PROXY_ENV });
    expect(good.code, good.stderr).to.equal(0);
    expect(await warnings('fixed-by-heartbeat')).to.deep.include({ lastError: null, authFailures: 0 });
  });
});
