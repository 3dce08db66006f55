import { expect } from 'chai';
import { binaryFrameHeader } from '../../src/transport/websocket-frames.js';
import { WebSocketDuplex } from '../../src/transport/index.js';
import { randomPayload, readAll, sha256, wsPair } from '../helpers.js';

describe('binary frame headers written by the byte pipe', () => {
  it('uses the 7-bit, 16-bit and 64-bit length forms at their RFC 6455 boundaries', () => {
    expect([...binaryFrameHeader(125, false)]).to.deep.equal([0x82, 125]);
    expect([...binaryFrameHeader(126, false)]).to.deep.equal([0x82, 126, 0, 126]);
    expect([...binaryFrameHeader(65535, false)]).to.deep.equal([0x82, 126, 0xff, 0xff]);
    expect([...binaryFrameHeader(65536, false)]).to.deep.equal([0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0]);
  });

  it('sets the mask bit with an all-zero key for clients', () => {
    expect([...binaryFrameHeader(5, true)]).to.deep.equal([0x82, 0x80 | 5, 0, 0, 0, 0]);
    expect([...binaryFrameHeader(70_000, true)]).to.deep.equal([0x82, 0x80 | 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70, 0, 0, 0, 0]);
  });

  it('carries writes larger than one message and batches of many writes, both directions, byte-identical', async () => {
    const [client, server] = await wsPair();
    const a = new WebSocketDuplex(client);
    const b = new WebSocketDuplex(server);
    const big = randomPayload(3 * 1024 * 1024 + 17);
    const small = Array.from({ length: 200 }, (_, i) => randomPayload(1 + i * 37));
    const toServer = readAll(b);
    const toClient = readAll(a);
    a.write(big);
    a.cork();
    for (const piece of small) a.write(piece);
    a.uncork();
    a.end();
    for (const piece of small) b.write(piece);
    b.write(big);
    b.end();
    expect(sha256(await toServer)).to.equal(sha256([big, ...small]));
    expect(sha256(await toClient)).to.equal(sha256([...small, big]));
  });
});
