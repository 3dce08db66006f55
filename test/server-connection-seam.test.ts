import { expect } from 'chai';
import net from 'node:net';
import tls from 'node:tls';
import { silentLogger } from '@tunnel/protocol';
import { lookupDevice, resolveConnection, UserSession, type CreateConnection } from 'tunnel-client';
import { useWorld } from './support/developer.js';
import { countingReplier, tcpServer } from './support/network.js';

describe("the CLI's connection seam (where HTTP/SOCKS proxy support plugs in)", function () {
  this.timeout(60_000);
  const world = useWorld();

  it('makes every connection to the server, for the API and the session, and may answer later', async () => {
    const dialled: string[] = [];
    // Like a proxy dialler: answers through the callback once "the proxy" said yes, TLS on top.
    const createConnection: CreateConnection = (options, oncreate) => {
      dialled.push(`${options.host}:${options.port}`);
      setTimeout(() => {
        const socket = tls.connect({ ...options, servername: net.isIP(options.host ?? '') ? '' : options.host });
        socket.once('secureConnect', () => oncreate(null, socket));
        socket.once('error', (err) => oncreate(err));
      }, 50);
      return undefined;
    };
    const connection = { ...resolveConnection({}, world.user.env, null), createConnection };
    expect((await lookupDevice(connection, 'pi-1')).uuid).to.equal(world.device.uuid);

    const replier = await tcpServer('127.0.0.1', countingReplier);
    const session = new UserSession({ connection, log: silentLogger() });
    await session.start();
    const stream = await session.open({ device: 'pi-1', host: '127.0.0.1', port: replier.port });
    const answer = new Promise<string>((resolve) => {
      let text = '';
      stream.on('data', (c: Buffer) => (text += c.toString()));
      stream.once('end', () => resolve(text));
    });
    stream.end('seam');
    expect(await answer).to.match(/^got 4 bytes/);
    session.close();
    expect(dialled).to.deep.equal([`127.0.0.1:${world.server.port}`, `127.0.0.1:${world.server.port}`]);
  });
});
