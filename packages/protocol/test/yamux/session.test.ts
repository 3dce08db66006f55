import { expect } from 'chai';
import { echoServer, randomPayload, readAll, sessionPair, sha256 } from '../helpers.js';

describe('yamux session over TCP', () => {
  it('opens a stream, echoes data and half-closes', async () => {
    const { client, server } = await sessionPair();
    echoServer(server);
    const stream = client.open();
    const data = randomPayload(3 * 1024 * 1024 + 17);
    stream.end(data);
    const back = await readAll(stream);
    expect(sha256(back)).to.equal(sha256(data));
    client.close();
  });

  it('measures ping round trip', async () => {
    const { client, server } = await sessionPair();
    const rtt = await client.ping();
    expect(rtt).to.be.a('number').greaterThan(0);
    expect(client.rtt).to.equal(rtt);
    client.close();
    server.close();
  });
});

describe('yamux session: many streams', () => {
  it('carries 100 concurrent streams of 1 MiB each, byte-identical', async () => {
    const { client, server } = await sessionPair();
    echoServer(server);
    const results = await Promise.all(
      Array.from({ length: 100 }, async () => {
        const data = randomPayload(1024 * 1024);
        const stream = client.open();
        stream.end(data);
        const back = await readAll(stream);
        return sha256(back) === sha256(data);
      }),
    );
    expect(results.every(Boolean)).to.equal(true);
    expect(client.streamCount).to.equal(0);
    client.close();
  });
});
