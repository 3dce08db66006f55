import { expect } from 'chai';
import fc from 'fast-check';
import { Flag, FrameDecoder, FrameType, YamuxErrorCode, type FrameHeader } from '../../src/yamux/index.js';
import { closeOf, cutAt, rawFrame, rawPeer, waitUntil } from '../helpers.js';

/** Fixed seeds: a failure names its seed and path, and reruns identically. */
const SEED = 0x5eed;

interface Frame {
  type: FrameType;
  flags: number;
  streamId: number;
  length: number;
  payload: Buffer;
}

const frameArb: fc.Arbitrary<Frame> = fc.oneof(
  fc.record({
    type: fc.constant(FrameType.Data),
    flags: fc.integer({ min: 0, max: 0xf }),
    streamId: fc.integer({ min: 1, max: 0xffff_ffff }),
    payload: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
  }).map((f) => ({ ...f, length: f.payload.length })),
  fc.record({
    type: fc.constantFrom(FrameType.WindowUpdate, FrameType.Ping, FrameType.GoAway),
    flags: fc.integer({ min: 0, max: 0xffff }),
    streamId: fc.integer({ min: 0, max: 0xffff_ffff }),
    length: fc.integer({ min: 0, max: 0xffff_ffff }),
  }).map((f) => ({ ...f, payload: Buffer.alloc(0) })),
);

function encode(frames: Frame[]): Buffer {
  return Buffer.concat(frames.map((f) => rawFrame(f.type, f.flags, f.streamId, f.length, f.payload)));
}

/** Decodes chunks and rebuilds whole frames from the decoder's callbacks, checking their order. */
function decode(chunks: Buffer[]): { frames: Frame[]; idle: boolean } {
  const frames: Frame[] = [];
  let open: { header: FrameHeader; payload: Buffer[] } | null = null;
  const decoder = new FrameDecoder({
    onHeader(header) {
      expect(open).to.equal(null);
      open = { header, payload: [] };
    },
    onPayload(header, payload) {
      expect(header).to.equal(open!.header);
      expect(payload.length).to.be.greaterThan(0);
      // A view into the chunk: copy, since the test reuses nothing but must not trust that.
      open!.payload.push(Buffer.from(payload));
    },
    onFrameEnd(header) {
      expect(header).to.equal(open!.header);
      const { type, flags, streamId, length } = header;
      frames.push({ type, flags, streamId, length, payload: Buffer.concat(open!.payload) });
      open = null;
    },
  });
  for (const chunk of chunks) decoder.write(chunk);
  return { frames, idle: decoder.idle };
}

describe('yamux decoder: property tests (seeded)', () => {
  it('decodes a random frame sequence identically however it is cut', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 30 }), fc.array(fc.nat(), { maxLength: 40 }), (frames, points) => {
        const bytes = encode(frames);
        const whole = decode([bytes]);
        expect(whole.frames).to.deep.equal(frames);
        expect(whole.idle).to.equal(true);
        expect(decode(cutAt(bytes, points)).frames).to.deep.equal(frames);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it('decodes a random frame sequence fed one byte at a time', () => {
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 12 }), (frames) => {
        const bytes = encode(frames);
        const single = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
        const result = decode(single);
        expect(result.frames).to.deep.equal(frames);
        expect(result.idle).to.equal(true);
      }),
      { seed: SEED + 1, numRuns: 100 },
    );
  });

  it('reports a truncated frame as not idle', () => {
    fc.assert(
      fc.property(frameArb, fc.nat(), (frame, at) => {
        const bytes = encode([frame]);
        const keep = at % bytes.length;
        expect(decode([bytes.subarray(0, keep)]).idle).to.equal(keep === 0);
      }),
      { seed: SEED + 2, numRuns: 200 },
    );
  });
});

const codes = new Set<string>(Object.values(YamuxErrorCode));

/** Frames that parse and address small stream ids: some are legal, many break a rule. */
const plausibleFrameArb = fc
  .record({ type: fc.integer({ min: 0, max: 3 }), flags: fc.integer({ min: 0, max: 0xf }), id: fc.integer({ min: 0, max: 8 }) })
  .map(({ type, flags, id }) =>
    type === FrameType.Data ? rawFrame(type, flags, id, 4, Buffer.from('abcd')) : rawFrame(type, flags, id, type === FrameType.GoAway ? 0 : 1),
  );

/** A legal conversation from the peer of a session in `role`: each stream's first frame has SYN. */
function legalArb(role: 'client' | 'server'): fc.Arbitrary<Buffer[]> {
  const firstPeerId = role === 'client' ? 2 : 1;
  return fc
    .array(
      fc.record({
        stream: fc.integer({ min: 0, max: 3 }),
        type: fc.constantFrom(FrameType.Data, FrameType.WindowUpdate),
        flags: fc.constantFrom(0, Flag.FIN),
        payload: fc.uint8Array({ maxLength: 100 }).map((a) => Buffer.from(a)),
      }),
      { minLength: 1, maxLength: 10 },
    )
    .map((steps) => {
      const opened = new Set<number>();
      return steps.map(({ stream, type, flags, payload }) => {
        const id = firstPeerId + 2 * stream;
        const syn = opened.has(id) ? 0 : Flag.SYN;
        opened.add(id);
        const body = type === FrameType.Data ? payload : Buffer.alloc(0);
        return rawFrame(type, flags | syn, id, body.length, body);
      });
    });
}

/** Bytes a hostile or broken peer might send: noise mixed with frames, plausible frames, or a legal run. */
function hostileArb(role: 'client' | 'server'): fc.Arbitrary<Buffer[]> {
  return fc.oneof(
    fc.array(
      fc.oneof(fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => Buffer.from(a)), frameArb.map((f) => encode([f])), plausibleFrameArb),
      { minLength: 1, maxLength: 12 },
    ),
    fc.array(plausibleFrameArb, { minLength: 1, maxLength: 6 }),
    legalArb(role),
  );
}

const roleAndBytes = fc
  .constantFrom<'client' | 'server'>('client', 'server')
  .chain((role) => fc.tuple(fc.constant(role), hostileArb(role)));

describe('yamux session: random bytes (seeded)', () => {
  it('never crashes or hangs: it closes with a coded error or keeps running', async () => {
    await fc.assert(
      fc.asyncProperty(roleAndBytes, async ([role, pieces]) => {
        const { session, raw, sessionSocket, reader } = await rawPeer(role);
        session.on('stream', (s) => s.on('error', () => undefined));
        const closed = closeOf(session);
        const bytes = Buffer.concat(pieces);
        raw.write(bytes);
        await waitUntil(() => session.closed || sessionSocket.bytesRead >= bytes.length, 'the session to take the bytes in');
        // The decoder runs synchronously in the 'data' handler: one more turn and it is done.
        await new Promise((resolve) => setImmediate(resolve));
        if (session.closed) {
          const err = await closed;
          expect(err, 'a session closed by input carries an error').to.not.equal(undefined);
          expect(codes.has(err!.code), `code ${err!.code}`).to.equal(true);
        } else {
          // Still running: it must still work (its own ping goes out; nobody here answers it).
          const pinged = session.ping().catch(() => undefined);
          await reader.next((f) => f.type === FrameType.Ping && f.flags === Flag.SYN, 'a ping from the session');
          session.close();
          await pinged;
        }
        raw.destroy();
      }),
      { seed: SEED + 3, numRuns: 150 },
    );
  });
});
