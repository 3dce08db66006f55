import { expect } from 'chai';
import { runClient, startTunnel, useWorld } from './support/developer.js';
import { countingReplier, exchange, freePort, NO_PROXY_ENV, tcpServer } from './support/network.js';
import { startTinyproxy } from './support/proxy-daemons.js';

describe('developer CLI behind a corporate proxy (tinyproxy)', function () {
  this.timeout(120_000);
  const world = useWorld();

  it('reaches the server through HTTPS_PROXY for login, the API and the tunnel session', async () => {
    const proxy = await startTinyproxy();
    const replier = await tcpServer('127.0.0.1', countingReplier);
    const local = await freePort();
    const viaProxy = { ...NO_PROXY_ENV, HTTPS_PROXY: `http://127.0.0.1:${proxy.port}` };
    const login = await runClient(world.user, ['login', '--server', `https://127.0.0.1:${world.server.port}`, '--token', world.user.token, '--ca', world.user.caFile], viaProxy);
    expect(login.code, login.stderr).to.equal(0);
    const tunnel = await startTunnel(world.user, 'pi-1', ['-p', `${replier.port}:${local}`], viaProxy);
    expect(await exchange(local, 'hello')).to.match(/^got 5 bytes/);
    await tunnel.kill();
    const connects = proxy.log().split('\n').filter((line) => line.includes(`CONNECT 127.0.0.1:${world.server.port} `));
    // login (whoami), the device lookup and the session each left through the proxy.
    expect(connects.length).to.be.greaterThanOrEqual(3);
    await proxy.stop();
  });
});
