import { expect } from 'chai';
import fc from 'fast-check';
import type { Writable } from 'node:stream';
import * as ws from 'ws';
import { DataFrameReader } from '../../src/transport/websocket-data-reader.js';
import { cutAt } from '../helpers.js';
import { frame } from '../websocket-wire.js';

/** Fixed seed: a failure names its seed and path, and reruns identically. */
const SEED = 0x3b5ee;
/** The reader takes data frames up to this size; larger ones go to ws (whose limit is far above). */
const DIRECT_MAX = 1024;

/** ws's own frame parser (exported by ws, untyped in @types/ws). */
type ReceiverCtor = new (options: { isServer: boolean; maxPayload: number; binaryType: 'nodebuffer' }) => Writable;
const Receiver = (ws as unknown as { Receiver: ReceiverCtor }).Receiver;

/** What a sequence of frames means to the application: the tunnel's bytes, and everything else in order. */
interface Meaning {
  bytes: Buffer;
  events: string[];
}

/** Listens to a ws Receiver, adding what it emits to `into`. */
function listen(receiver: Writable, into: { data: Buffer[]; events: string[] }): void {
  receiver.on('message', (data: Buffer, isBinary: boolean) => {
    if (isBinary) into.data.push(Buffer.from(data));
    else into.events.push(`text ${data.toString()}`);
  });
  receiver.on('ping', (data: Buffer) => into.events.push(`ping ${data.toString('hex')}`));
  receiver.on('pong', (data: Buffer) => into.events.push(`pong ${data.toString('hex')}`));
  receiver.on('conclude', (code: number, reason: Buffer) => into.events.push(`close ${code} ${reason.toString()}`));
  receiver.on('error', (err: Error & { code?: string }) => into.events.push(`error ${err.code ?? err.message}`));
}

/** ws alone reads the wire. */
function wsAlone(chunks: readonly Buffer[], isServer: boolean): Meaning {
  const out = { data: [] as Buffer[], events: [] as string[] };
  const receiver = new Receiver({ isServer, maxPayload: 16 * 1024 * 1024, binaryType: 'nodebuffer' });
  listen(receiver, out);
  for (const chunk of chunks) receiver.write(Buffer.from(chunk));
  return { bytes: Buffer.concat(out.data), events: out.events };
}

/** The adapter's way: data frames straight from the reader, the rest through a ws Receiver. */
function withReader(chunks: readonly Buffer[], isServer: boolean): Meaning {
  const out = { data: [] as Buffer[], events: [] as string[] };
  const receiver = new Receiver({ isServer, maxPayload: 16 * 1024 * 1024, binaryType: 'nodebuffer' });
  listen(receiver, out);
  const reader = new DataFrameReader(
    { data: (payload) => out.data.push(Buffer.from(payload)), other: (bytes) => receiver.write(bytes) },
    { expectMasked: isServer, maxPayload: DIRECT_MAX },
  );
  // The reader unmasks in place, as it may with the socket's own chunks: give it copies.
  for (const chunk of chunks) reader.write(Buffer.from(chunk));
  return { bytes: Buffer.concat(out.data), events: out.events };
}

type Piece = { kind: 'binary' | 'text' | 'ping' | 'pong'; payload: Uint8Array } | { kind: 'fragmented'; parts: Uint8Array[]; pingBetween: boolean };

const piece: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('binary' as const), payload: fc.uint8Array({ maxLength: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('binary' as const), payload: fc.uint8Array({ minLength: DIRECT_MAX + 1, maxLength: 70_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), payload: fc.string({ maxLength: 40 }).map((t) => new Uint8Array(Buffer.from(t))) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constantFrom('ping' as const, 'pong' as const), payload: fc.uint8Array({ maxLength: 125 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fragmented' as const), parts: fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 2, maxLength: 4 }), pingBetween: fc.boolean() }) },
);

/** The wire bytes of the pieces, masked with `key` (a client's frames) or not; optionally a close and a frame after it. */
function wire(pieces: readonly Piece[], key: Buffer | undefined, close: boolean): Buffer {
  const options = key ? { key } : {};
  const frames: Buffer[] = [];
  const opcodes = { binary: 0x2, text: 0x1, ping: 0x9, pong: 0xa };
  for (const p of pieces) {
    if (p.kind !== 'fragmented') {
      frames.push(frame(opcodes[p.kind], Buffer.from(p.payload), options));
      continue;
    }
    p.parts.forEach((part, i) => {
      if (i > 0 && p.pingBetween) frames.push(frame(0x9, Buffer.from('between'), options));
      frames.push(frame(i === 0 ? 0x2 : 0x0, Buffer.from(part), { ...options, fin: i === p.parts.length - 1 }));
    });
  }
  if (close) {
    frames.push(frame(0x8, Buffer.from([0x03, 0xe8, ...Buffer.from('bye')]), options));
    // Nothing after a close frame counts, for either reader.
    frames.push(frame(0x2, Buffer.from('after close'), options));
  }
  return Buffer.concat(frames);
}

describe("WebSocket frame reader: agrees with ws's own Receiver (property, seeded)", () => {
  for (const side of ['server', 'client'] as const) {
    it(`on the ${side} end, for random frame sequences cut anywhere`, () => {
      const isServer = side === 'server';
      // Clients mask with a random key per frame, or with zeros as ours do (see zeroMask).
      const keyArb = isServer ? fc.oneof(fc.constant(Buffer.alloc(4)), fc.uint8Array({ minLength: 4, maxLength: 4 }).map((k) => Buffer.from(k))) : fc.constant(undefined);
      fc.assert(
        fc.property(fc.array(piece, { maxLength: 12 }), keyArb, fc.boolean(), fc.array(fc.nat(), { maxLength: 20 }), (pieces, key, close, points) => {
          const chunks = cutAt(wire(pieces, key, close), points);
          const expected = wsAlone(chunks, isServer);
          const actual = withReader(chunks, isServer);
          expect(actual.events).to.deep.equal(expected.events);
          expect(actual.bytes.equals(expected.bytes), 'the tunnel bytes differ').to.equal(true);
        }),
        { seed: SEED, numRuns: 200 },
      );
    });
  }
});
