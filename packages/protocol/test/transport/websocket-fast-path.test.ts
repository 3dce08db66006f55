import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type WebSocket from 'ws';
import { WebSocketDuplex } from '../../src/transport/index.js';
import { wsPair } from '../loopback.js';

/**
 * WebSocketDuplex reads data frames straight off ws's socket through ws's private fields
 * (`_socket`, `_receiver` and its state). Another ws may keep them elsewhere; the duplex then
 * falls back to ws's Receiver, still correct but slower, and nothing else would notice.
 */

/** Counts the bytes that reach ws's own Receiver from now on. */
function watchReceiver(ws: WebSocket): { bytes: () => number } {
  const receiver = (ws as unknown as { _receiver: { write: (chunk: Buffer) => boolean } })._receiver;
  const write = receiver.write.bind(receiver);
  let bytes = 0;
  receiver.write = (chunk: Buffer) => {
    bytes += chunk.length;
    return write(chunk);
  };
  return { bytes: () => bytes };
}

async function receive(duplex: WebSocketDuplex, bytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let got = 0;
  for await (const chunk of duplex.iterator({ destroyOnReturn: false })) {
    chunks.push(chunk as Buffer);
    got += (chunk as Buffer).length;
    if (got >= bytes) break;
  }
  return Buffer.concat(chunks);
}

describe('the WebSocket fast path (data frames read off the socket)', () => {
  for (const end of ['server', 'client'] as const) {
    it(`is taken on the ${end} end: data never reaches ws's Receiver, control frames still do`, async () => {
      const [clientWs, serverWs] = await wsPair();
      const client = new WebSocketDuplex(clientWs);
      const server = new WebSocketDuplex(serverWs);
      const [sender, receiver, receiverWs] = end === 'server' ? [client, server, serverWs] : [server, client, clientWs];
      const watched = watchReceiver(receiverWs);
      const payload = Buffer.alloc(200_000, 7);
      const received = receive(receiver, payload.length * 2);
      sender.write(payload.subarray(0, 10));
      sender.write(payload.subarray(10));
      sender.write(payload);
      expect((await received).equals(Buffer.concat([payload, payload]))).to.equal(true);
      expect(watched.bytes(), "bytes of data frames that went through ws's Receiver").to.equal(0);

      // The watch itself works: a ping is ws's to answer, so it must show up there.
      const senderWs = end === 'server' ? clientWs : serverWs;
      const pong = new Promise<void>((resolve) => senderWs.once('pong', () => resolve()));
      senderWs.ping(Buffer.from('still there?'));
      await pong;
      expect(watched.bytes()).to.be.greaterThan(0);
      client.destroy();
      server.destroy();
    });
  }

  it('runs on the exact ws version every package pins', () => {
    const require = createRequire(import.meta.url);
    const installed = (JSON.parse(readFileSync(require.resolve('ws/package.json'), 'utf8')) as { version: string }).version;
    const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../..');
    for (const pkg of ['protocol', 'tunnel-server', 'tunnel-client']) {
      const manifest = JSON.parse(readFileSync(path.join(root, 'packages', pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      const wanted = manifest.dependencies?.['ws'];
      if (wanted === undefined) continue;
      expect(wanted, `${pkg}/package.json: ws must be pinned exactly (the adapter reads its private fields)`).to.equal(installed);
    }
  });
});
