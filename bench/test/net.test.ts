import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { closeSocket } from '../src/load/socket.js';
import { connectMany, LOOPBACK_SOURCES, loopbackSource } from '../src/net/loopback-sources.js';

describe('loopback sources', () => {
  it('yields distinct addresses inside 127.0.0.0/8 without .0/.255 host parts', () => {
    const seen = new Set<string>();
    for (const i of [...Array(70_000).keys()]) {
      const a = loopbackSource(i);
      const [o1, o2, o3, o4] = a.split('.').map(Number);
      assert.equal(o1, 127);
      assert.ok(o2! >= 1 && o2! <= 254 && o3! >= 0 && o3! <= 255 && o4! >= 1 && o4! <= 254, a);
      seen.add(a);
    }
    assert.equal(seen.size, 70_000);
    assert.equal(loopbackSource(LOOPBACK_SOURCES), loopbackSource(0));
  });

  it('spreads the first addresses across the /8', () => {
    const seconds = new Set(Array.from({ length: 254 }, (_, i) => loopbackSource(i).split('.')[1]));
    assert.equal(seconds.size, 254);
  });

  it('opens many connections from distinct sources', async () => {
    const peers = new Set<string>();
    const server = net.createServer((s) => {
      peers.add(s.remoteAddress ?? '');
      s.on('error', () => s.destroy());
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const result = await connectMany({ host: '127.0.0.1', port }, { count: 400, concurrency: 50, perSource: 2, deadlineMs: 20_000, timeoutMs: 5000 });
      assert.deepEqual(result.failures, []);
      assert.equal(result.opened.length, 400);
      assert.equal(result.openMicros.length, 400);
      for (let i = 0; i < 50 && peers.size < 200; i++) await new Promise((r) => setTimeout(r, 20));
      assert.equal(peers.size, 200);
      await Promise.all(result.opened.map(closeSocket));
    } finally {
      server.close();
    }
  });

  it('counts opens that fail instead of throwing', async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    await new Promise<void>((r) => server.close(() => r()));
    const result = await connectMany({ host: '127.0.0.1', port }, { count: 5, concurrency: 5, perSource: 1, deadlineMs: 5000, timeoutMs: 1000 });
    assert.equal(result.opened.length, 0);
    assert.equal(result.failures.length, 5);
    assert.match(result.failures[0]!.error, /ECONNREFUSED/);
  });
});
