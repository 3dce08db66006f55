/**
 * Undoes WebSocket framing (RFC 6455) on a recorded byte stream: the HTTP upgrade head as is,
 * then every frame's payload unmasked. A device's frames are masked with a random key, so a
 * search for a secret in the raw bytes would find nothing even if the secret were sent.
 */
export function unframeWebSocketStream(stream: Buffer): Buffer {
  const headEnd = stream.indexOf('\r\n\r\n');
  if (headEnd < 0) return stream;
  const parts: Buffer[] = [stream.subarray(0, headEnd + 4)];
  let at = headEnd + 4;
  while (at + 2 <= stream.length) {
    const masked = (stream[at + 1]! & 0x80) !== 0;
    let length = stream[at + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      if (at + 4 > stream.length) break;
      length = stream.readUInt16BE(at + 2);
      header = 4;
    } else if (length === 127) {
      if (at + 10 > stream.length) break;
      length = Number(stream.readBigUInt64BE(at + 2));
      header = 10;
    }
    const mask = masked ? stream.subarray(at + header, at + header + 4) : undefined;
    const start = at + header + (masked ? 4 : 0);
    const payload = Buffer.from(stream.subarray(start, Math.min(start + length, stream.length)));
    if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
    parts.push(payload);
    at = start + length;
  }
  return Buffer.concat(parts);
}
