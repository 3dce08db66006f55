import { expect } from 'chai';
import type WebSocket from 'ws';
import { WebSocketDuplex, WebSocketErrorCode } from '../../src/transport/index.js';
import { Flag, FrameType, YamuxErrorCode, YamuxSession, type YamuxStream } from '../../src/yamux/index.js';
import { closeOf, echoConcurrently, echoServer, RawFrameReader, rawFrame, randomPayload, readAll, sha256, waitFor, waitUntil, wsPair } from '../helpers.js';

/** A session on the server end of a loopback WebSocket; the test speaks raw messages from the client end. */
async function sessionBehindWs(): Promise<{ session: YamuxSession; ws: WebSocket; reader: RawFrameReader; messages: Buffer[] }> {
  const [ws, serverWs] = await wsPair();
  const session = new YamuxSession(new WebSocketDuplex(serverWs), { role: 'server', config: { enableKeepAlive: false } });
  const reader = new RawFrameReader();
  const messages: Buffer[] = [];
  ws.on('message', (data: Buffer) => {
    messages.push(data);
    reader.feed(data);
  });
  return { session, ws, reader, messages };
}

describe('yamux over a loopback WebSocket', () => {
  it('carries 8 concurrent streams of 512 KiB each, byte-identical', async () => {
    const [a, b] = await wsPair();
    const client = new YamuxSession(new WebSocketDuplex(a), { role: 'client' });
    const server = new YamuxSession(new WebSocketDuplex(b), { role: 'server' });
    echoServer(server);
    expect(await echoConcurrently(() => client.open(), 8, 512 * 1024)).to.deep.equal(Array(8).fill(true));
    const serverClosed = closeOf(server);
    client.close();
    expect(await serverClosed).to.equal(undefined);
  });

  it('reassembles a frame split across WebSocket messages', async () => {
    const { session, ws } = await sessionBehindWs();
    const payload = randomPayload(1000);
    const bytes = Buffer.concat([
      rawFrame(FrameType.WindowUpdate, Flag.SYN, 1, 0),
      rawFrame(FrameType.Data, 0, 1, payload.length, payload),
      rawFrame(FrameType.WindowUpdate, Flag.FIN, 1, 0),
    ]);
    const accepted = waitFor<YamuxStream>(session, 'stream');
    // Cuts inside the first header, inside the second header and inside the payload.
    for (const [start, end] of [[0, 5], [5, 17], [17, 600], [600, bytes.length]] as const) {
      ws.send(bytes.subarray(start, end), { binary: true });
    }
    const stream = await accepted;
    expect(sha256(await readAll(stream))).to.equal(sha256(payload));
    session.close();
  });

  it('takes many frames from one WebSocket message', async () => {
    const { session, ws } = await sessionBehindWs();
    const streams: YamuxStream[] = [];
    session.on('stream', (s) => streams.push(s));
    const frames: Buffer[] = [];
    for (const id of [1, 3, 5]) frames.push(rawFrame(FrameType.WindowUpdate, Flag.SYN, id, 0));
    for (const id of [1, 3, 5]) frames.push(rawFrame(FrameType.Data, Flag.FIN, id, 7, Buffer.from(`hello ${id}`)));
    frames.push(rawFrame(FrameType.Ping, Flag.SYN, 0, 99));
    ws.send(Buffer.concat(frames), { binary: true });
    await waitUntil(() => streams.length === 3, 'three streams');
    const texts = await Promise.all(streams.map(async (s) => (await readAll(s)).toString()));
    expect(texts).to.deep.equal(['hello 1', 'hello 3', 'hello 5']);
    session.close();
  });

  it('batches frames written in one tick into one WebSocket message', async () => {
    const { session, reader, messages } = await sessionBehindWs();
    const opened: YamuxStream[] = [];
    for (let i = 0; i < 20; i++) {
      const s = session.open();
      s.on('error', () => undefined);
      s.write(`frame ${i}`);
      opened.push(s);
    }
    // 20 SYNs and 20 data frames.
    await waitUntil(() => reader.frames.length >= 40, 'all frames');
    expect(messages.length).to.be.lessThan(5);
    session.close();
  });

  it('closes the session with TransportClosed, naming the cause, on a text message', async () => {
    const { session, ws } = await sessionBehindWs();
    const closed = closeOf(session);
    ws.send('not binary');
    const err = await closed;
    expect(err?.code).to.equal(YamuxErrorCode.TransportClosed);
    expect((err?.cause as { code?: string } | undefined)?.code).to.equal(WebSocketErrorCode.TextMessage);
  });

  it('ends the WebSocket with code 1000 when the session closes', async () => {
    const { session, ws } = await sessionBehindWs();
    const wsClosed = new Promise<number>((resolve) => ws.once('close', resolve));
    session.close();
    expect(await wsClosed).to.equal(1000);
  });

  it('turns ws bufferedAmount into write backpressure when the far end stops reading', async () => {
    const [a, b] = await wsPair();
    const writer = new WebSocketDuplex(a);
    const reader = new WebSocketDuplex(b); // not read: it fills, pauses its ws, and TCP pushes back
    const data = randomPayload(64 * 1024 * 1024);
    const chunk = 16 * 1024;
    let offset = 0;
    let blocked = false;
    const producing = (async () => {
      while (offset < data.length) {
        const more = writer.write(data.subarray(offset, offset + chunk));
        offset += chunk;
        if (!more) {
          blocked = true;
          await waitFor(writer, 'drain');
          blocked = false;
        }
      }
      writer.end();
    })();
    // Wait for the producer to stay blocked: the socket buffers are full and nothing moves.
    let last = -1;
    await waitUntil(() => {
      const stalled = blocked && offset === last;
      last = offset;
      return stalled;
    }, 'the writer to stall');
    expect(offset).to.be.lessThan(data.length);
    // ws holds at most the high-water mark plus the one message that crossed it.
    expect(a.bufferedAmount).to.be.at.most(256 * 1024 + 64 * 1024 + chunk);
    expect(writer.writableLength).to.be.at.most(writer.writableHighWaterMark + chunk);
    const received = readAll(reader);
    await producing;
    expect(sha256(await received)).to.equal(sha256(data));
  });
});
