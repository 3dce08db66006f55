// RFC 6455 frames built by hand, for tests that feed readers exact bytes.

/** An RFC 6455 frame as a peer would put it on the wire, masked with `key` if given. */
export function frame(opcode: number, payload: Buffer, options: { fin?: boolean; key?: Buffer; rsv?: number } = {}): Buffer {
  const fin = options.fin ?? true;
  const len = payload.length;
  const ext = len < 126 ? Buffer.alloc(0) : len <= 0xffff ? Buffer.alloc(2) : Buffer.alloc(8);
  if (ext.length === 2) ext.writeUInt16BE(len);
  if (ext.length === 8) ext.writeBigUInt64BE(BigInt(len));
  const b0 = (fin ? 0x80 : 0) | (options.rsv ?? 0) | opcode;
  const b1 = (options.key ? 0x80 : 0) | (len < 126 ? len : ext.length === 2 ? 126 : 127);
  const body = Buffer.from(payload);
  if (options.key) for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ options.key[i & 3]!;
  return Buffer.concat([Buffer.from([b0, b1]), ext, options.key ?? Buffer.alloc(0), body]);
}
