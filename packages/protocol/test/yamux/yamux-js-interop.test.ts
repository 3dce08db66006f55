import { expect } from 'chai';
import type { Duplex, Transform } from 'node:stream';
import type WebSocket from 'ws';
import { Client, Server } from 'yamux-js';
import { WebSocketDuplex } from '../../src/transport/index.js';
import { YamuxErrorCode, YamuxSession, type YamuxStream } from '../../src/yamux/index.js';
import { quiet, randomPayload, sha256, streamError, waitFor, waitUntil, wsPair } from '../helpers.js';

// yamux-js drops a frame split across two reads and ignores FIN (it tests for SYN where it means
// FIN), so it runs over a WebSocket where every message it reads holds whole frames (our encoder
// only ever writes whole frames, and each write is one message), and the tests close its streams
// with its own close() rather than expecting it to end on our FIN.

const yamuxJsConfig = { enableKeepAlive: false, logger: (): void => undefined };

/** Wires a yamux-js session to a WebSocket, one frame per message each way. */
function overWs(session: Transform, ws: WebSocket): void {
  session.on('error', () => undefined);
  ws.on('message', (data: Buffer) => session.write(data));
  session.on('data', (frame: Buffer) => ws.send(frame, { binary: true }));
}

/** Reads exactly n bytes (yamux-js never sends the FIN that would end the stream). */
function readExactly(stream: Duplex, n: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let have = 0;
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      have += chunk.length;
      if (have >= n) {
        stream.off('data', onData);
        stream.pause();
        resolve(Buffer.concat(chunks));
      }
    };
    stream.on('data', onData);
    stream.once('error', reject);
  });
}

/** What a yamux-js stream receives until it has n bytes, as text. */
function collect(stream: Duplex, n: number): Promise<string> {
  return readExactly(stream, n).then((b) => b.toString());
}

describe('yamux interop with the yamux-js package (over a message-aligned WebSocket)', () => {
  it('yamux-js opens streams to us: echo, then its FIN while we keep writing', async () => {
    const [a, b] = await wsPair();
    const ours = new YamuxSession(new WebSocketDuplex(b), { role: 'server' });
    ours.on('stream', (stream) => {
      quiet(stream);
      stream.on('data', (chunk: Buffer) => stream.write(chunk));
      // yamux-js closed its side; ours is still open and carries the trailer.
      stream.on('end', () => stream.end('trailer after your FIN'));
    });
    const theirs = new Client(yamuxJsConfig);
    overWs(theirs, a);

    const results = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const stream = theirs.open();
        const data = randomPayload(256 * 1024);
        const echoed = readExactly(stream, data.length);
        stream.write(data);
        const back = await echoed;
        const trailer = collect(stream, 'trailer after your FIN'.length);
        stream.resume();
        stream.close();
        return [sha256(back) === sha256(data), await trailer] as const;
      }),
    );
    expect(results).to.deep.equal(Array(4).fill([true, 'trailer after your FIN']));
    await waitUntil(() => ours.streamCount === 0, 'our streams to finish');
    ours.close();
  });

  it('we open streams to yamux-js: echo, its FIN while we keep writing, ping', async () => {
    const [a, b] = await wsPair();
    const size = 256 * 1024;
    const trailers: string[] = [];
    const theirs = new Server((stream) => {
      let echoed = 0;
      stream.on('data', (chunk: Buffer) => {
        if (echoed < size) {
          stream.write(chunk);
          echoed += chunk.length;
          if (echoed >= size) (stream as unknown as { close(): void }).close();
        } else {
          trailers.push(chunk.toString());
        }
      });
    }, yamuxJsConfig);
    overWs(theirs, a);
    const ours = new YamuxSession(new WebSocketDuplex(b), { role: 'client' });

    const results = await Promise.all(
      Array.from({ length: 4 }, async () => {
        const stream = ours.open();
        const data = randomPayload(size);
        const ended = waitFor(stream, 'end');
        stream.write(data);
        const back = await readExactly(stream, size);
        stream.resume();
        await ended; // yamux-js's FIN
        stream.end('trailer');
        return sha256(back) === sha256(data);
      }),
    );
    expect(results).to.deep.equal([true, true, true, true]);
    await waitUntil(() => trailers.length === 4, 'the trailers to reach yamux-js');
    expect(trailers).to.deep.equal(Array(4).fill('trailer'));
    expect(await ours.ping()).to.be.a('number');
    ours.close();
  });

  it('we reset a stream: yamux-js forgets it', async () => {
    const [a, b] = await wsPair();
    const theirs = new Server((stream) => stream.on('data', (chunk: Buffer) => stream.write(chunk)), yamuxJsConfig);
    overWs(theirs, a);
    const theirStreams = (theirs as unknown as { streams: Map<number, unknown> }).streams;
    const ours = new YamuxSession(new WebSocketDuplex(b), { role: 'client' });
    const stream = quiet(ours.open());
    stream.write('ping');
    await waitFor(stream, 'established');
    expect(theirStreams.size).to.equal(1);
    stream.reset();
    await waitUntil(() => theirStreams.size === 0, 'yamux-js to drop the reset stream');
    ours.close();
  });

  it('yamux-js resets a stream beyond its accept backlog: ours fails with StreamReset', async () => {
    const [a, b] = await wsPair();
    const theirs = new Server(() => undefined, { ...yamuxJsConfig, acceptBacklog: 1 });
    overWs(theirs, a);
    const ours = new YamuxSession(new WebSocketDuplex(b), { role: 'client' });
    const kept: YamuxStream = quiet(ours.open());
    const refused = ours.open();
    expect((await streamError(refused)).code).to.equal(YamuxErrorCode.StreamReset);
    expect(kept.destroyed).to.equal(false);
    ours.close();
  });
});
