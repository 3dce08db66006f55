import net from 'node:net';
import { rewrapWithStaticBuffer } from './fast-read.js';
import { SINK_ACK_BYTES, SINK_HEADER_BYTES, decodeLength } from './sink-protocol.js';

/** Counts one connection's bytes against the length announced in its header. */
export class SinkCounter {
  private header = Buffer.alloc(0);
  private expected = -1;
  private received = 0;

  /** Feeds a chunk (which may be a reused buffer: nothing is kept); true once all bytes are in. */
  feed(chunk: Buffer): boolean {
    if (this.expected < 0) {
      this.header = Buffer.concat([this.header, chunk]);
      if (this.header.length < SINK_HEADER_BYTES) return false;
      this.expected = decodeLength(this.header);
      this.received = this.header.length - SINK_HEADER_BYTES;
      this.header = Buffer.alloc(0);
    } else {
      this.received += chunk.length;
    }
    return this.received >= this.expected;
  }

  ack(): Buffer {
    const ack = Buffer.alloc(SINK_ACK_BYTES);
    ack.writeBigUInt64BE(BigInt(this.received));
    return ack;
  }
}

const READ_BUFFER_BYTES = 1024 * 1024;

/** Counts the announced number of bytes and answers with the count once all of them arrived. */
export function createSinkServer(): net.Server {
  // One buffer for every connection: the bytes are only counted, never kept, and the single
  // event loop never runs two read callbacks at once.
  const readBuffer = Buffer.allocUnsafe(READ_BUFFER_BYTES);
  return net.createServer({ pauseOnConnect: true }, (accepted) => {
    const counter = new SinkCounter();
    let answered = false;
    let socket: net.Socket | undefined;
    const onChunk = (chunk: Buffer): void => {
      if (answered || !counter.feed(chunk)) return;
      answered = true;
      socket?.end(counter.ack());
    };
    socket = rewrapWithStaticBuffer(accepted, readBuffer, onChunk);
    if (socket === undefined) {
      socket = accepted;
      socket.on('data', onChunk);
      socket.resume();
    }
    socket.setNoDelay(true);
    // A client that resets is ordinary at the end of a run; it must not take the target down.
    socket.on('error', () => socket?.destroy());
  });
}
