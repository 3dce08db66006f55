import { expect } from 'chai';
import { echoConcurrently, echoServer, randomPayload, readAll, sessionPair, sha256 } from '../helpers.js';

describe('yamux session over TCP', () => {
  it('opens a stream, echoes 3 MiB and half-closes', async () => {
    const { client, server } = await sessionPair();
    echoServer(server);
    const stream = client.open();
    const data = randomPayload(3 * 1024 * 1024 + 17);
    stream.end(data);
    const back = await readAll(stream);
    expect(sha256(back)).to.equal(sha256(data));
    client.close();
  });
});

describe('yamux session: many streams', () => {
  it('carries 100 concurrent streams of 1 MiB each, byte-identical', async () => {
    const { client, server } = await sessionPair();
    echoServer(server);
    const results = await echoConcurrently(() => client.open(), 100, 1024 * 1024);
    expect(results).to.deep.equal(Array(100).fill(true));
    expect(client.streamCount).to.equal(0);
    client.close();
  });
});
