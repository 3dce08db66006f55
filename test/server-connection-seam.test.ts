import { expect } from 'chai';
import { silentLogger } from '@tunnel/protocol/log';
import { loadProxyConfig, lookupDevice, resolveConnection, UserSession } from 'tunnel-client';
import { useWorld } from './support/developer.js';
import { countingReplier, sendAndReadAll, tcpServer } from './support/network.js';
import { startSocks5Fixture } from 'tunnel-client/test/socks5-fixture';

describe("the CLI's connection seam (where HTTP/SOCKS proxy support plugs in)", function () {
  this.timeout(60_000);
  const world = useWorld();

  it('sends every connection to the server, for the API and the session, through the proxy it names', async () => {
    const proxy = await startSocks5Fixture();
    try {
      const connection = { ...resolveConnection({}, world.user.env, null), proxy: loadProxyConfig({ proxy: `socks5://127.0.0.1:${proxy.port}`, env: {} }) };
      expect((await lookupDevice(connection, 'pi-1')).uuid).to.equal(world.device.uuid);

      const replier = await tcpServer('127.0.0.1', countingReplier);
      const session = new UserSession({ connection, log: silentLogger() });
      await session.start();
      const stream = await session.open({ device: 'pi-1', host: '127.0.0.1', port: replier.port });
      expect(await sendAndReadAll(stream, 'seam')).to.match(/^got 4 bytes/);
      session.close();
      expect(proxy.requests.map((r) => `${r.host}:${r.port}`)).to.deep.equal([`127.0.0.1:${world.server.port}`, `127.0.0.1:${world.server.port}`]);
    } finally {
      await proxy.close();
    }
  });
});
