import { expect } from 'chai';
import { Flag, FrameType, GoAwayCode, YamuxErrorCode, type YamuxStream } from '../../src/yamux/index.js';
import { ACK_DELAY_MS } from '../../src/yamux/stream.js';
import { closeOf, echoServer, quiet, rawFrame, rawPeer, readAll, sessionPair, streamError, waitFor, waitUntil } from '../helpers.js';

/** Writes, half-closes and reads the echo back. */
async function echoRoundTrip(stream: YamuxStream, text: string): Promise<string> {
  stream.end(text);
  return (await readAll(stream)).toString();
}

describe('yamux semantics: opening streams', () => {
  it('lets data follow the SYN before the ACK arrives', async () => {
    const { client, server, sockets } = await sessionPair();
    // Nobody accepts yet, so the server holds back its ACK.
    const stream = quiet(client.open());
    stream.write('sent before the ACK');
    await waitUntil(() => sockets[1].bytesRead >= 12 + 12 + 19, 'the SYN and the data to reach the server');
    expect(stream.established).to.equal(false);
    const established = waitFor(stream, 'established');
    const accepted = quiet(await server.accept());
    await established;
    expect(stream.established).to.equal(true);
    const first = (await new Promise<Buffer>((resolve) => accepted.once('data', resolve))).toString();
    expect(first).to.equal('sent before the ACK');
    client.close();
  });

  it('takes data riding on the SYN frame itself', async () => {
    const { session, raw, reader } = await rawPeer('server');
    const accepted = session.accept();
    raw.write(rawFrame(FrameType.Data, Flag.SYN | Flag.FIN, 1, 5, Buffer.from('hello')));
    const stream = await accepted;
    expect((await readAll(stream)).toString()).to.equal('hello');
    const ack = await reader.next((f) => f.streamId === 1 && (f.flags & Flag.ACK) !== 0, 'the ACK');
    expect(ack.type).to.equal(FrameType.WindowUpdate);
    session.close();
    raw.destroy();
  });

  it('acknowledges an accepted stream on its first frame, with no frame of its own', async () => {
    const { session, raw, reader } = await rawPeer('server');
    const accepted = session.accept();
    raw.write(rawFrame(FrameType.Data, Flag.SYN, 1, 4, Buffer.from('open')));
    const stream = await accepted;
    // The answer comes later, as a tunnel peer's verdict does, yet inside the ACK's grace.
    await new Promise((resolve) => setTimeout(resolve, 20));
    stream.write('verdict');
    const first = await reader.next((f) => f.streamId === 1, 'the first frame of stream 1');
    expect(first.type).to.equal(FrameType.Data);
    expect(first.flags).to.equal(Flag.ACK);
    expect(first.payload.toString()).to.equal('verdict');
    session.close();
    raw.destroy();
  });

  it(`acknowledges a stream that sends nothing with a bare ACK after ${ACK_DELAY_MS} ms`, async () => {
    const { session, raw, reader } = await rawPeer('server');
    const accepted = session.accept();
    raw.write(rawFrame(FrameType.WindowUpdate, Flag.SYN, 1, 0));
    await accepted;
    const ack = await reader.next((f) => f.streamId === 1, 'the ACK');
    expect(ack.type).to.equal(FrameType.WindowUpdate);
    expect(ack.flags).to.equal(Flag.ACK);
    session.close();
    raw.destroy();
  });

  it('hands streams queued before a listener existed to the first "stream" listener', async () => {
    const { client, server } = await sessionPair();
    const stream = quiet(client.open());
    stream.write('x');
    await waitUntil(() => server.streamCount === 1, 'the SYN to arrive');
    const delivered = waitFor<YamuxStream>(server, 'stream');
    const got = quiet(await delivered);
    expect(got.id).to.equal(stream.id);
    client.close();
  });

  it('accepts SYNs that arrive out of id order (as concurrent Go openers send them)', async () => {
    const { session, raw } = await rawPeer('server');
    const ids: number[] = [];
    session.on('stream', (s) => ids.push(quiet(s).id));
    raw.write(Buffer.concat([5, 1, 3].map((id) => rawFrame(FrameType.WindowUpdate, Flag.SYN, id, 0))));
    await waitUntil(() => ids.length === 3, 'three streams');
    expect(ids).to.deep.equal([5, 1, 3]);
    const closed = closeOf(session);
    // A real reopen of an id is still refused.
    raw.write(rawFrame(FrameType.WindowUpdate, Flag.SYN, 3, 0));
    expect((await closed)?.code).to.equal(YamuxErrorCode.DuplicateStream);
    raw.destroy();
  });
});

describe('yamux semantics: closing streams', () => {
  it('treats FIN as a half-close: the other direction keeps flowing', async () => {
    const { client, server } = await sessionPair();
    server.on('stream', async (stream) => {
      const request = await readAll(stream); // returns only once the client's FIN arrived
      stream.write(`got ${request.toString()}; `);
      setTimeout(() => stream.end('and more after a pause'), 20);
    });
    const stream = client.open();
    expect(await echoRoundTrip(stream, 'request')).to.equal('got request; and more after a pause');
    await waitUntil(() => client.streamCount === 0 && server.streamCount === 0, 'both ends to forget the stream');
    client.close();
  });

  it('resets a stream from the opening side', async () => {
    const { client, server } = await sessionPair();
    const accepted = waitFor<YamuxStream>(server, 'stream');
    const stream = client.open();
    stream.write('hi');
    const remote = await accepted;
    const failed = streamError(remote);
    stream.reset();
    expect((await failed).code).to.equal(YamuxErrorCode.StreamReset);
    await waitUntil(() => client.streamCount === 0 && server.streamCount === 0, 'both ends to forget the stream');
    client.close();
  });

  it('resets a stream from the accepting side', async () => {
    const { client, server } = await sessionPair();
    server.on('stream', (s) => s.reset());
    const stream = client.open();
    stream.write('hi');
    expect((await streamError(stream)).code).to.equal(YamuxErrorCode.StreamReset);
    await waitUntil(() => client.streamCount === 0 && server.streamCount === 0, 'both ends to forget the stream');
    client.close();
  });
});

describe('yamux semantics: GoAway', () => {
  it('refuses new streams after a remote GoAway while existing streams go on', async () => {
    const { client, server } = await sessionPair();
    echoServer(server);
    const existing = quiet(client.open());
    existing.write('before ');
    await waitFor(existing, 'established');
    const goaway = waitFor<GoAwayCode>(client, 'goaway');
    server.goAway();
    expect(await goaway).to.equal(GoAwayCode.Normal);
    expect(() => client.open()).to.throw().with.property('code', YamuxErrorCode.RemoteGoAway);
    expect(() => server.open()).to.throw().with.property('code', YamuxErrorCode.LocalGoAway);
    expect(await echoRoundTrip(existing, 'after')).to.equal('before after');
    expect(client.closed).to.equal(false);
    client.close();
  });

  it('answers SYNs with RST after a local GoAway while existing streams go on', async () => {
    const { client, server } = await sessionPair();
    echoServer(client);
    const existing = server.open();
    existing.write('before ');
    await waitFor(existing, 'established');
    client.goAway();
    await waitUntil(() => server.goneAway.remote, 'the GoAway to arrive');
    expect(() => client.open()).to.throw().with.property('code', YamuxErrorCode.LocalGoAway);
    expect(await echoRoundTrip(existing, 'after')).to.equal('before after');
    client.close();
  });

  it('refuses a SYN that crossed our GoAway with RST', async () => {
    const { session, raw, reader } = await rawPeer('server');
    session.goAway();
    await reader.next((f) => f.type === FrameType.GoAway, 'the GoAway');
    raw.write(rawFrame(FrameType.WindowUpdate, Flag.SYN, 1, 0));
    const rst = await reader.next((f) => f.streamId === 1, 'the answer to the SYN');
    expect(rst.flags & Flag.RST).to.equal(Flag.RST);
    expect(session.closed).to.equal(false);
    session.close();
    raw.destroy();
  });

  it('closes cleanly (no error) when the peer drains and closes', async () => {
    const { client, server } = await sessionPair();
    const clientClosed = closeOf(client);
    await server.drain(10_000);
    expect(await clientClosed).to.equal(undefined);
  });

  it('drain waits for open streams to finish before closing', async () => {
    const { client, server } = await sessionPair();
    echoServer(server);
    const stream = client.open();
    stream.write('abc');
    await waitUntil(() => server.streamCount === 1, 'the stream to open');
    let drained = false;
    const draining = client.drain(30_000).then(() => (drained = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(drained).to.equal(false);
    expect(await echoRoundTrip(stream, 'def')).to.equal('abcdef');
    await draining;
    expect(client.closed).to.equal(true);
  });

  it('reports an error GoAway from the peer as RemoteError', async () => {
    const { session, raw } = await rawPeer('server');
    const closed = closeOf(session);
    raw.write(rawFrame(FrameType.GoAway, 0, 0, GoAwayCode.InternalError));
    expect((await closed)?.code).to.equal(YamuxErrorCode.RemoteError);
    raw.destroy();
  });
});

describe('yamux semantics: ping and keepalive', () => {
  it('measures ping round trip', async () => {
    const { client, server } = await sessionPair();
    const rtt = await client.ping();
    expect(rtt).to.be.a('number').greaterThan(0);
    expect(client.rtt).to.equal(rtt);
    expect(await server.ping()).to.be.a('number').greaterThan(0);
    client.close();
  });

  it('answers a raw Ping with the same opaque value', async () => {
    const { session, raw, reader } = await rawPeer('server');
    raw.write(rawFrame(FrameType.Ping, Flag.SYN, 0, 0xdeadbeef));
    const pong = await reader.next((f) => f.type === FrameType.Ping, 'the ping answer');
    expect(pong.flags).to.equal(Flag.ACK);
    expect(pong.length).to.equal(0xdeadbeef);
    session.close();
    raw.destroy();
  });

  it('closes a session whose keepalive pings go unanswered', async () => {
    const { session, raw, reader } = await rawPeer('client', { enableKeepAlive: true, keepAliveInterval: 20, keepAliveTimeout: 100 });
    const err = await closeOf(session);
    expect(err?.code).to.equal(YamuxErrorCode.KeepAliveTimeout);
    expect(reader.frames.some((f) => f.type === FrameType.Ping && f.flags === Flag.SYN)).to.equal(true);
    await reader.next((f) => f.type === FrameType.GoAway, 'the GoAway');
    raw.destroy();
  });

  it('keeps a session whose pings are answered', async () => {
    const config = { enableKeepAlive: true, keepAliveInterval: 10, keepAliveTimeout: 10_000 };
    const { client, server, sockets } = await sessionPair(config);
    const before = sockets[1].bytesRead;
    await waitUntil(() => sockets[1].bytesRead >= before + 12 * 10, 'ten keepalive pings');
    expect(client.closed).to.equal(false);
    expect(server.closed).to.equal(false);
    client.close();
  });
});

describe('yamux semantics: limits', () => {
  it('resets a stream the peer does not acknowledge within streamOpenTimeout', async () => {
    const { client, server } = await sessionPair({ streamOpenTimeout: 100 }, {});
    // The server never accepts, so it never ACKs.
    const stream = client.open();
    expect((await streamError(stream)).code).to.equal(YamuxErrorCode.OpenTimeout);
    await waitUntil(() => server.streamCount === 0, 'the RST to clear the queued stream');
    expect(client.streamCount).to.equal(0);
    client.close();
  });

  it('caps concurrent streams we open with maxConcurrentStreams', async () => {
    const { client, server } = await sessionPair({ maxConcurrentStreams: 2 }, {});
    echoServer(server);
    const a = quiet(client.open());
    quiet(client.open());
    expect(() => client.open()).to.throw().with.property('code', YamuxErrorCode.TooManyStreams);
    a.destroy();
    expect(quiet(client.open()).id).to.be.a('number');
    client.close();
  });

  it('refuses streams the peer opens beyond maxConcurrentStreams with RST', async () => {
    const { client, server } = await sessionPair({}, { maxConcurrentStreams: 2 });
    echoServer(server);
    const streams = [client.open(), client.open(), client.open()].map(quiet);
    expect((await streamError(streams[2]!)).code).to.equal(YamuxErrorCode.StreamReset);
    expect(await echoRoundTrip(streams[0]!, 'still fine')).to.equal('still fine');
    client.close();
  });

  it('refuses streams beyond acceptBacklog with RST', async () => {
    const { client, server } = await sessionPair({}, { acceptBacklog: 2 });
    const streams = [client.open(), client.open(), client.open()].map(quiet);
    for (const s of streams) s.write('x');
    expect((await streamError(streams[2]!)).code).to.equal(YamuxErrorCode.StreamReset);
    const first = await server.accept();
    const second = await server.accept();
    expect([first.id, second.id]).to.deep.equal([streams[0]!.id, streams[1]!.id]);
    client.close();
  });

  it('destroys open streams without an error on a clean close, on both ends', async () => {
    const { client, server } = await sessionPair();
    const accepting = server.accept();
    const stream = client.open();
    const remote = await accepting;
    const closedStreams = [stream, remote].map((s) => new Promise<boolean>((resolve) => s.once('close', () => resolve(s.errored !== null))));
    const serverClosed = closeOf(server);
    client.close();
    expect(await Promise.all(closedStreams)).to.deep.equal([false, false]);
    expect(await serverClosed).to.equal(undefined);
    await server.accept().then(
      () => expect.fail('accept after close'),
      (err: { code: string }) => expect(err.code).to.equal(YamuxErrorCode.SessionClosed),
    );
  });

  it('fails open streams with the session error when the session fails', async () => {
    const { session, raw } = await rawPeer('server');
    const accepted = session.accept();
    raw.write(rawFrame(FrameType.WindowUpdate, Flag.SYN, 1, 0));
    const stream = await accepted;
    const failed = streamError(stream);
    raw.write(rawFrame(FrameType.GoAway, 0, 0, GoAwayCode.ProtocolError));
    expect((await failed).code).to.equal(YamuxErrorCode.RemoteError);
    raw.destroy();
  });

  it('closes with TransportClosed when the connection drops without GoAway', async () => {
    const { session, raw } = await rawPeer('server');
    const closed = closeOf(session);
    raw.destroy();
    expect((await closed)?.code).to.equal(YamuxErrorCode.TransportClosed);
  });
});
