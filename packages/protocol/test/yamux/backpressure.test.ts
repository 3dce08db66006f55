import { expect } from 'chai';
import { once } from 'node:events';
import { Flag, FrameType, INITIAL_STREAM_WINDOW, type YamuxStream } from '../../src/yamux/index.js';
import { rawFrame, rawPeer, randomPayload, readAll, sessionPair, sha256, waitFor, waitUntil } from '../helpers.js';

const CHUNK = 16 * 1024;

/** Writes data honouring write()'s backpressure signal, as a well-behaved producer does. */
async function produce(stream: YamuxStream, data: Buffer): Promise<void> {
  for (let offset = 0; offset < data.length; offset += CHUNK) {
    if (!stream.write(data.subarray(offset, offset + CHUNK))) await once(stream, 'drain');
  }
  stream.end();
}

describe('yamux backpressure', () => {
  it('a paused reader stalls only its own stream, and both ends stay within the window', async () => {
    const { client, server, sockets } = await sessionPair();
    const accepted: YamuxStream[] = [];
    server.on('stream', (s) => accepted.push(s));

    const slow = client.open();
    const slowData = randomPayload(8 * 1024 * 1024);
    const slowDone = produce(slow, slowData);
    await waitUntil(() => accepted.length === 1, 'the slow stream to arrive');
    const slowRemote = accepted[0]!; // nobody reads it: it stays paused

    // The slow stream fills exactly its window on the receiver, then the sender stops.
    await waitUntil(() => slowRemote.readableLength === INITIAL_STREAM_WINDOW, 'the window to fill');
    await waitUntil(() => slow.writableNeedDrain, 'the sender to see backpressure');

    // Meanwhile another stream carries 4 MiB both ways.
    const fast = client.open();
    const fastData = randomPayload(4 * 1024 * 1024);
    const fastArrived = waitUntil(() => accepted.length === 2, 'the fast stream').then(() => {
      const remote = accepted[1]!;
      remote.pipe(remote);
    });
    const fastBack = readAll(fast);
    await produce(fast, fastData);
    await fastArrived;
    expect(sha256(await fastBack)).to.equal(sha256(fastData));

    // The stalled stream held still the whole time: the receiver holds one window, the sender
    // one writable high-water mark plus the chunk in hand, the socket nothing to speak of.
    expect(slowRemote.readableLength).to.equal(INITIAL_STREAM_WINDOW);
    expect(slow.writableLength).to.be.at.most(slow.writableHighWaterMark + CHUNK);
    expect(sockets[0].writableLength).to.be.at.most(256 * 1024);

    // Once read, the slow stream completes intact.
    const slowBack = readAll(slowRemote);
    await slowDone;
    expect(sha256(await slowBack)).to.equal(sha256(slowData));
    client.close();
  });

  it('grows the window for a reader that keeps up, never holding more than maxStreamWindow', async () => {
    const maxStreamWindow = 1024 * 1024;
    const { client, server } = await sessionPair({ maxStreamWindow });
    const accepted = waitFor<YamuxStream>(server, 'stream');
    const stream = client.open();
    const data = randomPayload(16 * 1024 * 1024);
    const done = produce(stream, data);
    const remote = await accepted;

    // Read quickly for a while so the window grows, then stop reading.
    let received = 0;
    const onData = (chunk: Buffer): void => {
      received += chunk.length;
      if (received >= 8 * 1024 * 1024) {
        remote.pause();
        remote.off('data', onData);
      }
    };
    remote.on('data', onData);
    await waitUntil(() => received >= 8 * 1024 * 1024, '8 MiB to arrive');
    await waitUntil(() => stream.writableNeedDrain && remote.readableLength > INITIAL_STREAM_WINDOW, 'the grown window to fill');
    // Whatever flows in now is bounded by the largest window, not by the 8 MiB still to send.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(remote.readableLength).to.be.at.most(maxStreamWindow);

    const rest = readAll(remote);
    await done;
    expect((await rest).length + received).to.equal(data.length);
    client.close();
  });

  for (const reader of ['flowing', 'paused, then read() in a loop'] as const) {
    it(`reopens the window for a ${reader} reader when each frame fills the whole window`, async () => {
      // Frames as large as the window arrive in chunks larger than the readable high-water
      // mark, the case where Node's _read calls alone do not reveal that the reader drained.
      const { session, raw, reader: frames } = await rawPeer('server');
      const accepted = session.accept();
      raw.write(rawFrame(FrameType.WindowUpdate, Flag.SYN, 1, 0));
      const stream = await accepted;
      let received = 0;
      if (reader === 'flowing') {
        stream.on('data', (chunk: Buffer) => (received += chunk.length));
      } else {
        stream.on('readable', () => {
          let chunk: Buffer | null;
          while ((chunk = stream.read() as Buffer | null) !== null) received += chunk.length;
        });
      }
      const updates = (): number[] =>
        // The first update also carries the stream's ACK.
        frames.frames.filter((f) => f.type === FrameType.WindowUpdate && f.streamId === 1 && (f.flags & ~Flag.ACK) === 0).map((f) => f.length);
      let sent = 0;
      for (let round = 0; round < 6; round++) {
        const before = updates().length;
        // Everything the window allows, in one frame.
        const n = updates().reduce((sum, delta) => sum + delta, INITIAL_STREAM_WINDOW) - sent;
        expect(n).to.be.greaterThan(0);
        raw.write(rawFrame(FrameType.Data, 0, 1, n, Buffer.alloc(n, round)));
        sent += n;
        await waitUntil(() => received === sent, `round ${round}: the reader to take ${sent} bytes`);
        await waitUntil(() => updates().length > before, `round ${round}: a window update once the reader drained`);
      }
      session.close();
      raw.destroy();
    });
  }
});
