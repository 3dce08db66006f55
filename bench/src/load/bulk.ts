import crypto from 'node:crypto';
import type net from 'node:net';
import type { Endpoint } from '../net/endpoint.js';
import { SINK_ACK_BYTES, encodeLength } from '../targets/sink-protocol.js';
import { closeSocket, connect, readExactly } from './socket.js';

/** Big enough that per-write JS overhead is noise, small enough to stay in cache. */
const CHUNK_BYTES = 256 * 1024;
// Random rather than zeros so no layer (ssh compression if someone enables it, a future
// compressing transport) gets an unrealistically easy ride.
const CHUNK = crypto.randomBytes(CHUNK_BYTES);

export interface BulkOptions {
  /** Bytes each stream sends. */
  readonly bytesPerStream: number;
  readonly streams: number;
  readonly timeoutMs: number;
}

export interface BulkResult {
  readonly bytes: number;
  readonly seconds: number;
  readonly mibPerSecond: number;
}

/** Writes the header and the payload, respecting backpressure. */
function pump(socket: net.Socket, bytes: number): void {
  socket.write(encodeLength(bytes));
  let remaining = bytes;
  const more = (): void => {
    while (remaining > 0) {
      const n = Math.min(remaining, CHUNK_BYTES);
      remaining -= n;
      if (!socket.write(n === CHUNK_BYTES ? CHUNK : CHUNK.subarray(0, n))) {
        socket.once('drain', more);
        return;
      }
    }
  };
  more();
}

async function sendOne(socket: net.Socket, bytes: number, timeoutMs: number): Promise<void> {
  const ack = readExactly(socket, SINK_ACK_BYTES, timeoutMs);
  pump(socket, bytes);
  const counted = Number((await ack).readBigUInt64BE(0));
  if (counted !== bytes) throw new Error(`sink counted ${counted} bytes, ${bytes} were sent`);
}

/**
 * Sends bytesPerStream on each of `streams` connections at once to a sink and times from the first
 * byte written until the last stream's sink has confirmed every byte. Connections are opened before
 * the clock starts: connection setup is scenario 4's business.
 */
export async function bulkToSink(sink: Endpoint, options: BulkOptions): Promise<BulkResult> {
  const sockets = await Promise.all(
    Array.from({ length: options.streams }, () => connect(sink, { timeoutMs: options.timeoutMs })),
  );
  try {
    const start = process.hrtime.bigint();
    await Promise.all(sockets.map((s) => sendOne(s, options.bytesPerStream, options.timeoutMs)));
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    const bytes = options.bytesPerStream * options.streams;
    return { bytes, seconds, mibPerSecond: bytes / (1024 * 1024) / seconds };
  } finally {
    await Promise.all(sockets.map(closeSocket));
  }
}
