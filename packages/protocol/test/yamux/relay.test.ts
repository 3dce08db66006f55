import { expect } from 'chai';
import { once } from 'node:events';
import net from 'node:net';
import { joinStreams } from '../../src/tunnel/index.js';
import { YamuxErrorCode, type YamuxSession, type YamuxStream } from '../../src/yamux/index.js';
import { readAll, randomPayload, sessionPair, sha256, waitFor, waitUntil } from '../helpers.js';

const CHUNK = 16 * 1024;
const MAX_WINDOW = 1024 * 1024;

async function produce(stream: YamuxStream, data: Buffer): Promise<void> {
  for (let offset = 0; offset < data.length; offset += CHUNK) {
    if (!stream.write(data.subarray(offset, offset + CHUNK))) await once(stream, 'drain');
  }
  stream.end();
}

/**
 * The server's position: a user session (user <-> inbound) and a device session (outbound <->
 * device), each over its own TCP connection; the test joins the server's two streams.
 */
async function relayChain(): Promise<{ user: YamuxStream; device: YamuxStream; inbound: YamuxStream; outbound: YamuxStream; sessions: YamuxSession[] }> {
  const users = await sessionPair({ maxStreamWindow: MAX_WINDOW });
  const devices = await sessionPair({ maxStreamWindow: MAX_WINDOW });
  const inboundArrives = waitFor<YamuxStream>(users.server, 'stream');
  const deviceArrives = waitFor<YamuxStream>(devices.client, 'stream');
  const user = users.client.open();
  user.write('before the join');
  const outbound = devices.server.open();
  outbound.write('x');
  const inbound = await inboundArrives;
  const device = await deviceArrives;
  // The device reads the server's first byte, as it reads an open request before the relay starts.
  await waitUntil(() => device.readableLength === 1, 'the first byte at the device');
  device.read(1);
  await waitUntil(() => inbound.readableLength === 15, 'bytes written before the join');
  return { user, device, inbound, outbound, sessions: [users.client, users.server, devices.client, devices.server] };
}

describe('joinStreams between two yamux streams (the server relay)', () => {
  it('carries bytes both ways frame to frame, earlier bytes first, half-close included, and counts them', async () => {
    const { user, device, inbound, outbound, sessions } = await relayChain();
    const joined = joinStreams(inbound, outbound);
    // Frame to frame: nothing passes through the readable sides (pipe() would emit every chunk).
    let readableChunks = 0;
    inbound.on('data', () => (readableChunks += 1));
    outbound.on('data', () => (readableChunks += 1));
    const up = randomPayload(8 * 1024 * 1024);
    const down = randomPayload(4 * 1024 * 1024);
    const atDevice = readAll(device);
    await produce(user, up);
    // The device answers after the user's FIN reached it: the other direction still flows.
    const received = await atDevice;
    expect(received.subarray(0, 15).toString()).to.equal('before the join');
    expect(sha256(received.subarray(15))).to.equal(sha256(up));
    const atUser = readAll(user);
    await produce(device, down);
    expect(sha256(await atUser)).to.equal(sha256(down));
    const result = await joined;
    expect(result.error).to.equal(undefined);
    expect(result.bytesAtoB).to.equal(up.length + 15);
    expect(result.bytesBtoA).to.equal(down.length);
    expect(readableChunks).to.equal(0);
    for (const s of sessions) s.close();
  });

  it('stops the sender when the far reader stops, holding about a window per leg, then completes intact', async () => {
    const { user, device, inbound, outbound, sessions } = await relayChain();
    void joinStreams(inbound, outbound);
    device.pause();
    const up = randomPayload(24 * 1024 * 1024);
    const sent = produce(user, up);
    await waitUntil(() => device.readableLength > 0 && user.writableNeedDrain, 'the device side to fill');
    // Let whatever can still move move, then check nothing piles up in the middle.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const inFlight = user.bytesSent - device.readableLength;
    expect(device.readableLength).to.be.at.most(MAX_WINDOW + 15);
    expect(inFlight, 'bytes between the user and the device reader').to.be.at.most(2 * MAX_WINDOW);
    const atDevice = readAll(device);
    await sent;
    expect(sha256((await atDevice).subarray(15))).to.equal(sha256(up));
    for (const s of sessions) s.close();
  });

  it('resets the other side when one side is reset, and reports the error', async () => {
    const { user, device, inbound, outbound, sessions } = await relayChain();
    const joined = joinStreams(inbound, outbound);
    user.on('error', () => undefined);
    const userFailed = waitFor<Error>(user, 'error');
    device.reset();
    const err = await userFailed;
    expect((err as Error & { code?: string }).code).to.equal(YamuxErrorCode.StreamReset);
    const result = await joined;
    expect(result.error).to.be.an('error');
    for (const s of sessions) s.close();
  });
});

/** A loopback TCP connection whose relayed end allows half-open, as the agent's and the CLI's sockets do. */
async function halfOpenPair(): Promise<{ relayed: net.Socket; app: net.Socket }> {
  const server = net.createServer({ allowHalfOpen: true });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = waitFor<net.Socket>(server, 'connection');
  const app = net.connect({ port: (server.address() as net.AddressInfo).port, host: '127.0.0.1', allowHalfOpen: true });
  const relayed = await accepted;
  server.close();
  return { relayed, app };
}

describe('joinStreams between a yamux stream and a TCP socket (the agent, the CLI)', () => {
  it('carries bytes both ways without pipe(), half-close included, and counts them', async () => {
    const { client, server } = await sessionPair({ maxStreamWindow: MAX_WINDOW });
    const arrives = waitFor<YamuxStream>(server, 'stream');
    const far = client.open();
    far.write('early');
    const near = await arrives;
    await waitUntil(() => near.readableLength === 5, 'the early bytes');
    const { relayed, app } = await halfOpenPair();
    const joined = joinStreams(near, relayed);
    let readableChunks = 0;
    near.on('data', () => (readableChunks += 1));
    const toApp = randomPayload(8 * 1024 * 1024);
    const fromApp = randomPayload(4 * 1024 * 1024);
    const atApp = readAll(app);
    await produce(far, toApp);
    const got = await atApp;
    expect(got.subarray(0, 5).toString()).to.equal('early');
    expect(sha256(got.subarray(5))).to.equal(sha256(toApp));
    // The app answers after its input ended: the other direction still flows.
    const atFar = readAll(far);
    app.end(fromApp);
    expect(sha256(await atFar)).to.equal(sha256(fromApp));
    const result = await joined;
    expect(result.error).to.equal(undefined);
    expect(result.bytesAtoB).to.equal(toApp.length + 5);
    expect(result.bytesBtoA).to.equal(fromApp.length);
    expect(readableChunks).to.equal(0);
    client.close();
  });

  it('stops the stream sender when the socket reader stops, holding about a window in the process, then completes intact', async () => {
    const { client, server } = await sessionPair({ maxStreamWindow: MAX_WINDOW });
    const arrives = waitFor<YamuxStream>(server, 'stream');
    const far = client.open();
    const near = await arrives;
    const { relayed, app } = await halfOpenPair();
    void joinStreams(near, relayed);
    app.pause();
    const data = randomPayload(48 * 1024 * 1024);
    const sent = produce(far, data);
    await waitUntil(() => far.writableNeedDrain && relayed.writableLength > 0, 'the socket to back up');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // What waits in this process for the socket stays within the stream's window; the kernel's
    // socket buffers hold the rest, and the sender stopped far short of its 48 MiB.
    expect(relayed.writableLength).to.be.at.most(MAX_WINDOW);
    expect(far.bytesSent).to.be.below(data.length / 2);
    const atApp = readAll(app);
    app.resume();
    await sent;
    expect(sha256(await atApp)).to.equal(sha256(data));
    client.close();
  });
});
