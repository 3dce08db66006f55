/**
 * The sink's tiny framing, shared by the sink and the load generator.
 *
 * The client announces how many bytes it will send, so the sink can answer the moment the last byte
 * lands. That makes the measurement "all bytes arrived on the far side" without relying on TCP
 * half-close being carried through the path (it is, by ssh and by our tunnel, but a bulk figure
 * should not depend on it), and without echoing a GiB back (which would halve the one-way figure
 * OpenSSH comparisons are usually quoted in).
 */
export const SINK_HEADER_BYTES = 8;
export const SINK_ACK_BYTES = 8;

export function encodeLength(bytes: number): Buffer {
  const header = Buffer.alloc(SINK_HEADER_BYTES);
  header.writeBigUInt64BE(BigInt(bytes));
  return header;
}

export function decodeLength(buf: Buffer): number {
  const value = buf.readBigUInt64BE(0);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError(`sink length ${value} too large`);
  return Number(value);
}
