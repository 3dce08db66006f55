import { expect } from 'chai';
import { CLUSTER_HOP_LIMIT, OpenError, OpenResult, PeerQuery } from '../../src/tunnel/index.js';
import { encodeOpenRequest, parseOpenRequest } from '../../src/tunnel/open-protocol.js';

describe('open request: the hop count of a stream relayed between cluster nodes', () => {
  it('carries the hop count through encode and parse, and leaves it out when there is none', () => {
    const relayed = { device: 'a'.repeat(32), host: '127.0.0.1', port: 22222, hops: CLUSTER_HOP_LIMIT };
    expect(parseOpenRequest(encodeOpenRequest(relayed))).to.deep.equal(relayed);
    expect(parseOpenRequest(encodeOpenRequest({ host: '127.0.0.1', port: 22 }))).to.deep.equal({ host: '127.0.0.1', port: 22 });
  });

  it('refuses a request that crossed more nodes than the hop limit, so a stale route cannot loop', () => {
    for (const hops of [CLUSTER_HOP_LIMIT + 1, -1, 0.5, '1']) {
      let refused: unknown;
      try {
        parseOpenRequest({ v: 1, device: 'x', host: '127.0.0.1', port: 22, hops });
      } catch (err) {
        refused = err;
      }
      expect(refused, String(hops)).to.be.instanceOf(OpenError);
      expect((refused as OpenError).result).to.equal(OpenResult.BadRequest);
    }
  });

  it("carries a peer node's question (no target port), and refuses questions it does not know or a port 0 without one", () => {
    const asked = { device: 'a'.repeat(32), host: '127.0.0.1', port: 0, hops: CLUSTER_HOP_LIMIT, query: PeerQuery.LiveStreams };
    expect(parseOpenRequest(encodeOpenRequest(asked))).to.deep.equal(asked);
    for (const bad of [{ query: 'everything', port: 0 }, { query: 7, port: 22 }, { port: 0 }]) {
      let refused: unknown;
      try {
        parseOpenRequest({ v: 1, device: 'x', host: '127.0.0.1', ...bad });
      } catch (err) {
        refused = err;
      }
      expect(refused, JSON.stringify(bad)).to.be.instanceOf(OpenError);
      expect((refused as OpenError).result).to.equal(OpenResult.BadRequest);
    }
  });
});
