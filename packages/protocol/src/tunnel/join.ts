import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { CodedError, errorCode } from '../errors.js';
import { YamuxStream } from '../yamux/stream.js';
import { relaySocket } from './socket-relay.js';
import { JoinErrorCode } from './tunnel-errors.js';

/** A teardown that threw, with the thrown error's own code kept apart from ours. */
export class TeardownError extends CodedError<typeof JoinErrorCode.TeardownFailed> {
  readonly causeCode: string | undefined;

  constructor(cause: unknown) {
    super(JoinErrorCode.TeardownFailed, `tearing down a joined stream failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.causeCode = errorCode(cause);
  }
}

/**
 * Write high-water mark for TCP sockets that joinStreams feeds (the agent's target connections,
 * the CLI's local ones): the bytes a turn of the event loop delivers (several TLS records) fit
 * before the socket reports backpressure, so one writev takes them instead of a pause and resume
 * per 16 KiB (Node's default mark).
 */
export const JOINED_SOCKET_WRITE_HIGH_WATER = 256 * 1024;

export interface JoinResult {
  /** Bytes that went from a to b. */
  bytesAtoB: number;
  /** Bytes that went from b to a. */
  bytesBtoA: number;
  durationMs: number;
  /** The first error either side reported; the other side was then reset. */
  error?: Error;
}

export interface JoinOptions {
  /**
   * Told of an exception thrown while one side was torn down. Both sides are then destroyed and
   * the join still resolves: one stream's teardown must never take the process down.
   */
  onTeardownError?: (err: TeardownError) => void;
}

/** Bytes each way so far, as the join that moves them counts. */
interface Carried {
  aToB(): number;
  bToA(): number;
}

/**
 * Joins two byte streams both ways until both directions have ended. Backpressure is end to
 * end: a side that stops reading stops the other side's reads. End-of-input on one side is
 * passed on as a half-close (the other direction keeps flowing, as `printf x | nc` needs);
 * an error or abrupt close on one side resets the other.
 * TCP sockets must be created with allowHalfOpen: true for the half-close to survive.
 * A yamux stream joined to another or to a socket is relayed without pipe() (relayIfYamux);
 * anything else goes through pipe().
 */
export function joinStreams(a: Duplex, b: Duplex, options: JoinOptions = {}): Promise<JoinResult> {
  const started = Date.now();
  let firstError: Error | undefined;
  const carried = relayIfYamux(a, b) ?? pipeBoth(a, b);

  // These listeners run inside emit() of a socket or stream, where nobody above would catch.
  const guarded = (teardown: () => void): void => {
    try {
      teardown();
    } catch (err) {
      const error = new TeardownError(err);
      firstError ??= error;
      forceDestroy(a);
      forceDestroy(b);
      options.onTeardownError?.(error);
    }
  };

  return new Promise((resolve) => {
    let open = 2;
    const watch = (self: Duplex, other: Duplex): void => {
      self.on('error', (err: Error) => {
        firstError ??= err;
        guarded(() => reset(other));
      });
      self.once('close', () => {
        // Closed without a clean end of its input: the other side must not wait for more.
        guarded(() => {
          if (!self.readableEnded || !self.writableFinished) reset(other);
        });
        open -= 1;
        if (open === 0) {
          const result: JoinResult = { bytesAtoB: carried.aToB(), bytesBtoA: carried.bToA(), durationMs: Date.now() - started };
          if (firstError) result.error = firstError;
          resolve(result);
        }
      });
    };
    watch(a, b);
    watch(b, a);
  });
}

/**
 * Two yamux streams (the server between a user's session and a device's) are relayed frame to
 * frame; a yamux stream and a socket (the agent and its target, the CLI and its local
 * connection, a CONNECT client) through relaySocket. Counted from here: the open request and verdict the streams
 * carried before are not the join's.
 */
function relayIfYamux(a: Duplex, b: Duplex): Carried | undefined {
  if (a instanceof YamuxStream && b instanceof YamuxStream) {
    const intoB = b.bytesSent;
    const intoA = a.bytesSent;
    a.relayTo(b);
    return { aToB: () => b.bytesSent - intoB, bToA: () => a.bytesSent - intoA };
  }
  const [stream, socket] = a instanceof YamuxStream ? [a, b] : [b, a];
  if (!(stream instanceof YamuxStream && socket instanceof net.Socket)) return undefined;
  // Bytes the stream holds already go to the socket first.
  const fromStream = stream.bytesReceived - stream.readableLength;
  const toStream = stream.bytesSent;
  relaySocket(stream, socket, writeCoalescer(socket));
  const streamToSocket = (): number => stream.bytesReceived - fromStream;
  const socketToStream = (): number => stream.bytesSent - toStream;
  return stream === a ? { aToB: streamToSocket, bToA: socketToStream } : { aToB: socketToStream, bToA: streamToSocket };
}

function pipeBoth(a: Duplex, b: Duplex): Carried {
  let bytesAtoB = 0;
  let bytesBtoA = 0;
  // Registered before pipe()'s own listeners, so a socket is corked before the chunk is written to it.
  const intoB = writeCoalescer(b);
  const intoA = writeCoalescer(a);
  a.on('data', (chunk: Buffer) => {
    bytesAtoB += chunk.length;
    intoB();
  });
  b.on('data', (chunk: Buffer) => {
    bytesBtoA += chunk.length;
    intoA();
  });
  a.pipe(b);
  b.pipe(a);
  return { aToB: () => bytesAtoB, bToA: () => bytesBtoA };
}

/**
 * For a TCP socket: corks it at the first chunk written in a turn of the event loop and uncorks
 * it when the turn's I/O callbacks are done (setImmediate), so the chunks leave in one writev.
 * A TLS connection hands its reader one record (16 KiB at most) per callback: written one by
 * one, a bulk stream cost the agent five write syscalls per socket read. Other streams (yamux
 * batches its frames itself) get a no-op.
 */
function writeCoalescer(to: Duplex): () => void {
  if (!(to instanceof net.Socket)) return () => undefined;
  let corked = false;
  const uncork = (): void => {
    corked = false;
    to.uncork();
  };
  return () => {
    if (corked || to.destroyed) return;
    corked = true;
    to.cork();
    setImmediate(uncork);
  };
}

/**
 * Destroys a stream the way its peer sees as an abort: TCP RST for plain TCP sockets, yamux RST
 * for yamux streams. A TLS socket (a CONNECT client) cannot be reset (Node throws
 * ERR_INVALID_HANDLE_TYPE: its handle is the TLS layer, not TCP), so it is destroyed instead.
 */
export function reset(stream: Duplex): void {
  if (stream.destroyed) return;
  if (stream instanceof tls.TLSSocket) stream.destroy();
  else if (stream instanceof net.Socket) stream.resetAndDestroy();
  else if (typeof (stream as Duplex & { reset?: unknown }).reset === 'function') (stream as Duplex & { reset: () => void }).reset();
  else stream.destroy();
}

/** Last resort after a failed teardown: destroy() of an already broken stream must not throw again. */
function forceDestroy(stream: Duplex): void {
  try {
    stream.destroy();
  } catch {
    // Nothing more can be done for this stream; the join still has to finish.
  }
}
