import { expect } from 'chai';
import net from 'node:net';
import { OpenError, OpenResult, TunnelSession } from '../../src/tunnel/index.js';
import { YamuxStream } from '../../src/yamux/index.js';
import { tcpPair } from '../loopback.js';

async function sessionPair(maxConcurrentStreams: number): Promise<{ server: TunnelSession; device: TunnelSession; sockets: net.Socket[] }> {
  const sockets = await tcpPair();
  const server = new TunnelSession(sockets[0], { role: 'client', yamux: { maxConcurrentStreams } });
  const device = new TunnelSession(sockets[1], { role: 'server', yamux: { maxConcurrentStreams } });
  // The device accepts every open and holds it.
  device.serve(async () => ({ stream: new net.Socket() }));
  return { server, device, sockets };
}

async function refusal(session: TunnelSession): Promise<OpenError> {
  try {
    await session.open({ host: '127.0.0.1', port: 22 });
  } catch (err) {
    return err as OpenError;
  }
  throw new Error('the open was not refused');
}

describe('why a tunnel session refuses to open a stream', () => {
  it('says the device is busy when its stream budget is full, not that it is offline', async () => {
    const { server, device, sockets } = await sessionPair(1);
    const held: YamuxStream = server.mux.open();
    const err = await refusal(server);
    expect(err.result).to.equal(OpenResult.DeviceBusy);
    expect(err.code).to.equal('ERR_OPEN_DEVICE_BUSY');
    expect(err.message).to.contain('stream budget is full');
    held.destroy();
    server.close();
    device.close();
    for (const s of sockets) s.destroy();
  });

  it('says the session is going away after GoAway, either way round', async () => {
    const { server, device, sockets } = await sessionPair(8);
    device.goAway();
    await new Promise<void>((resolve) => server.once('goaway', () => resolve()));
    expect((await refusal(server)).code).to.equal('ERR_OPEN_DEVICE_DRAINING');
    server.goAway();
    expect((await refusal(server)).result).to.equal(OpenResult.DeviceDraining);
    server.close();
    device.close();
    for (const s of sockets) s.destroy();
  });
});
