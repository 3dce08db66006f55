import type { Duplex } from 'node:stream';

export interface JoinResult {
  /** Bytes that went from a to b. */
  bytesAtoB: number;
  /** Bytes that went from b to a. */
  bytesBtoA: number;
  durationMs: number;
  /** The first error either side reported; the other side was then reset. */
  error?: Error;
}

/**
 * Joins two byte streams both ways until both directions have ended. Backpressure comes from
 * pipe(): a side that stops reading stops the other side's reads. End-of-input on one side is
 * passed on as a half-close (the other direction keeps flowing, as `printf x | nc` needs);
 * an error or abrupt close on one side resets the other.
 * TCP sockets must be created with allowHalfOpen: true for the half-close to survive.
 */
export function joinStreams(a: Duplex, b: Duplex): Promise<JoinResult> {
  const started = Date.now();
  let bytesAtoB = 0;
  let bytesBtoA = 0;
  let firstError: Error | undefined;
  a.on('data', (chunk: Buffer) => (bytesAtoB += chunk.length));
  b.on('data', (chunk: Buffer) => (bytesBtoA += chunk.length));
  a.pipe(b);
  b.pipe(a);

  return new Promise((resolve) => {
    let open = 2;
    const watch = (self: Duplex, other: Duplex): void => {
      self.on('error', (err: Error) => {
        firstError ??= err;
        reset(other);
      });
      self.once('close', () => {
        // Closed without a clean end of its input: the other side must not wait for more.
        if (!self.readableEnded || !self.writableFinished) reset(other);
        open -= 1;
        if (open === 0) {
          const result: JoinResult = { bytesAtoB, bytesBtoA, durationMs: Date.now() - started };
          if (firstError) result.error = firstError;
          resolve(result);
        }
      });
    };
    watch(a, b);
    watch(b, a);
  });
}

/** Destroys a stream the way its peer sees as an abort: TCP RST for sockets, yamux RST for streams. */
export function reset(stream: Duplex): void {
  if (stream.destroyed) return;
  const socketLike = stream as Duplex & { resetAndDestroy?: () => void; reset?: () => void };
  if (typeof socketLike.resetAndDestroy === 'function') socketLike.resetAndDestroy();
  else if (typeof socketLike.reset === 'function') socketLike.reset();
  else stream.destroy();
}
