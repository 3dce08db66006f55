import type { Duplex } from 'node:stream';

/** Bytes through a device stream so far: up is towards the device. */
export interface ByteCounts {
  readonly up: number;
  readonly down: number;
}

/**
 * Live byte counts of a stream whose consumer is not known here (the CLI session's join, the
 * CONNECT relay, the web terminal): the device page shows them while the stream runs, and the
 * consumers only report totals at the end. Reading 'data' only once the consumer has made the
 * stream flow, so bytes the device sent before (an SSH banner) are not taken from under it.
 */
export function countBytes(stream: Duplex): ByteCounts {
  const counts = { up: 0, down: 0 };
  stream.once('resume', () => stream.on('data', (chunk: Buffer) => (counts.down += chunk.length)));
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]): boolean => {
    counts.up += typeof chunk === 'string' ? Buffer.byteLength(chunk) : (chunk as Uint8Array).byteLength;
    return write(chunk, ...rest);
  }) as Duplex['write'];
  return counts;
}
