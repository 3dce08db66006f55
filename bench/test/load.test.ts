import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bulkToSink } from '../src/load/bulk.js';
import { connectLatency } from '../src/load/connect-latency.js';
import { pingPong } from '../src/load/ping-pong.js';
import { percentile, summarize } from '../src/load/stats.js';
import { waitPathReady } from '../src/paths/ready.js';
import { SinkCounter } from '../src/targets/sink-server.js';
import { encodeLength } from '../src/targets/sink-protocol.js';
import { useTargets } from './use-targets.js';

describe('stats', () => {
  it('takes nearest-rank percentiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(sorted, 50), 50);
    assert.equal(percentile(sorted, 99), 99);
    assert.equal(percentile(sorted, 100), 100);
    assert.equal(percentile([7], 99), 7);
    const s = summarize([5, 1, 3]);
    assert.deepEqual([s.min, s.p50, s.max, s.mean], [1, 3, 5, 3]);
  });
});

describe('sink counting', () => {
  it('handles a header split over chunks and payload in the same chunk', () => {
    const c = new SinkCounter();
    const header = encodeLength(10);
    assert.equal(c.feed(header.subarray(0, 3)), false);
    assert.equal(c.feed(Buffer.concat([header.subarray(3), Buffer.alloc(4)])), false);
    assert.equal(c.feed(Buffer.alloc(6)), true);
    assert.equal(c.ack().readBigUInt64BE(0), 10n);
  });
});

describe('scenarios against the target process', () => {
  const targets = useTargets();

  it('answers the readiness probes', async () => {
    await waitPathReady(targets.endpoints, 5000);
  });

  it('moves bulk bytes on one and on many streams', async () => {
    const one = await bulkToSink(targets.endpoints.sink, { bytesPerStream: 8 << 20, streams: 1, timeoutMs: 10_000 });
    assert.equal(one.bytes, 8 << 20);
    assert.ok(one.mibPerSecond > 10);
    const many = await bulkToSink(targets.endpoints.sink, { bytesPerStream: 100_003, streams: 64, timeoutMs: 10_000 });
    assert.equal(many.bytes, 64 * 100_003);
  });

  it('times ping-pong round trips and new connections', async () => {
    const rtts = await pingPong(targets.endpoints.echo, { roundTrips: 200, payloadBytes: 64, warmup: 20, timeoutMs: 10_000 });
    assert.equal(rtts.length, 200);
    assert.ok(rtts.every((x) => x > 0 && x < 1_000_000));
    const connects = await connectLatency(targets.endpoints.echo, { connections: 20, warmup: 2, timeoutMs: 10_000 });
    assert.equal(connects.length, 20);
  });

  it('fails a bulk transfer to a port nobody listens on instead of hanging', async () => {
    await assert.rejects(bulkToSink({ host: '127.0.0.1', port: 1 }, { bytesPerStream: 10, streams: 1, timeoutMs: 2000 }));
  });
});
