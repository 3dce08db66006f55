import { expect } from 'chai';
import net from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { DataFrameReader } from '../../src/transport/websocket-data-reader.js';
import { WebSocketDuplex } from '../../src/transport/index.js';
import { randomPayload, readAll, sha256 } from '../helpers.js';
import { frame } from '../websocket-wire.js';

function collect(expectMasked: boolean, maxPayload = 1024 * 1024): { reader: DataFrameReader; data: Buffer[]; other: Buffer[] } {
  const data: Buffer[] = [];
  const other: Buffer[] = [];
  const reader = new DataFrameReader(
    { data: (b) => data.push(Buffer.from(b)), other: (b) => other.push(Buffer.from(b)) },
    { expectMasked, maxPayload },
  );
  return { reader, data, other };
}

const KEY = Buffer.from([0x37, 0xfa, 0x21, 0x3d]);

describe('reading data frames straight off the socket', () => {
  it('unmasks client frames cut at every possible place, and hands pings to the other receiver in order', () => {
    const payload = randomPayload(300);
    const ping = frame(0x9, Buffer.from('hi'), { key: KEY });
    const wire = Buffer.concat([frame(0x2, payload, { key: KEY }), ping, frame(0x2, payload.subarray(0, 10), { key: Buffer.alloc(4) })]);
    for (let cut = 1; cut < wire.length; cut++) {
      const { reader, data, other } = collect(true);
      // The reader unmasks in place, as it may with the socket's own chunks.
      const copy = Buffer.from(wire);
      reader.write(copy.subarray(0, cut));
      reader.write(copy.subarray(cut));
      expect(Buffer.concat(data).equals(Buffer.concat([payload, payload.subarray(0, 10)])), `cut at ${cut}`).to.equal(true);
      expect(Buffer.concat(other).equals(ping), `cut at ${cut}`).to.equal(true);
    }
  });

  it('reads the 16-bit and 64-bit length forms one byte at a time', () => {
    const medium = randomPayload(70_000);
    const large = randomPayload(200);
    // 200 bytes in the 64-bit form is legal on the wire even though a sender would use 16 bits.
    const long = Buffer.concat([Buffer.from([0x82, 127]), Buffer.from([0, 0, 0, 0, 0, 0, 0, 200]), large]);
    const wire = Buffer.concat([frame(0x2, medium), long]);
    const { reader, data, other } = collect(false);
    for (let i = 0; i < wire.length; i++) reader.write(wire.subarray(i, i + 1));
    expect(sha256(Buffer.concat(data))).to.equal(sha256(Buffer.concat([medium, large])));
    expect(other).to.have.length(0);
  });

  it('leaves text, fragmented messages with their continuations, and frames masked the wrong way to the other receiver', () => {
    const text = frame(0x1, Buffer.from('hello'));
    const first = frame(0x2, Buffer.from('part one'), { fin: false });
    const pong = frame(0xa, Buffer.alloc(0));
    // A complete binary frame inside a fragmented message is a protocol error for ws to report.
    const inside = frame(0x2, Buffer.from('inside'));
    const last = frame(0x0, Buffer.from('part two'));
    const masked = frame(0x2, Buffer.from('masked'), { key: KEY });
    const after = frame(0x2, Buffer.from('data again'));
    const { reader, data, other } = collect(false);
    reader.write(Buffer.concat([text, first, pong, inside, last, masked, after]));
    expect(Buffer.concat(other).equals(Buffer.concat([text, first, pong, inside, last, masked]))).to.equal(true);
    expect(Buffer.concat(data).toString()).to.equal('data again');
  });

  it('hands everything after a close frame or a malformed frame to the other receiver', () => {
    for (const stopper of [frame(0x8, Buffer.from([0x03, 0xe8])), frame(0x2, Buffer.from('x'), { rsv: 0x40 }), frame(0x3, Buffer.alloc(0))]) {
      const later = frame(0x2, Buffer.from('later'));
      const { reader, data, other } = collect(false);
      reader.write(Buffer.concat([frame(0x2, Buffer.from('before')), stopper, later]));
      expect(Buffer.concat(data).toString()).to.equal('before');
      expect(Buffer.concat(other).equals(Buffer.concat([stopper, later]))).to.equal(true);
    }
  });

  it('leaves a frame over maxPayload to the other receiver and reads the next one itself', () => {
    const big = frame(0x2, randomPayload(2000));
    const { reader, data, other } = collect(false, 1000);
    reader.write(Buffer.concat([big, frame(0x2, Buffer.from('small'))]));
    expect(Buffer.concat(other).equals(big)).to.equal(true);
    expect(Buffer.concat(data).toString()).to.equal('small');
  });

  it('serves a ws client that masks with random keys, fragments, pings and closes, as ws alone would', async () => {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
    // ws's default: a random mask per frame, as a browser or another client would send.
    const client = new WebSocket(`ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}`, { perMessageDeflate: false });
    await new Promise<void>((resolve, reject) => {
      client.once('open', resolve);
      client.once('error', reject);
    });
    const server = new WebSocketDuplex(await accepted);
    wss.close();
    const received = readAll(server);
    const pieces = [randomPayload(5), randomPayload(70_000), randomPayload(3 * 1024 * 1024)];
    const pong = new Promise<Buffer>((resolve) => client.once('pong', resolve));
    client.send(pieces[0]!, { binary: true });
    client.ping(Buffer.from('are you there'));
    client.send(pieces[1]!.subarray(0, 1000), { binary: true, fin: false });
    client.send(pieces[1]!.subarray(1000), { binary: true, fin: true });
    client.send(pieces[2]!, { binary: true });
    expect((await pong).toString()).to.equal('are you there');
    const closed = new Promise<number>((resolve) => client.once('close', (code: number) => resolve(code)));
    client.close(1000);
    expect(sha256(await received)).to.equal(sha256(Buffer.concat(pieces)));
    expect(await closed).to.equal(1000);
  });
});
