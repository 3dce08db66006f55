/**
 * RFC 6455 frame headers for binary data messages, so the byte pipe can put its own frames on the
 * socket: one header in front of many queued buffers costs no copy, where ws.send() takes one
 * buffer and would need them concatenated first.
 */

/** FIN + opcode 2 (binary): every data message is complete in one frame. */
const FIN_BINARY = 0x82;
const MASK_BIT = 0x80;

/**
 * The header of a binary frame carrying `length` bytes. Clients must mask (RFC 6455 5.1): they set
 * the mask bit with an all-zero key, which leaves the payload as it is (see zeroMask); servers
 * never mask.
 */
export function binaryFrameHeader(length: number, masked: boolean): Buffer {
  const lengthBytes = length < 126 ? 0 : length <= 0xffff ? 2 : 8;
  const header = Buffer.alloc(2 + lengthBytes + (masked ? 4 : 0));
  header[0] = FIN_BINARY;
  const maskBit = masked ? MASK_BIT : 0;
  if (lengthBytes === 0) {
    header[1] = maskBit | length;
  } else if (lengthBytes === 2) {
    header[1] = maskBit | 126;
    header.writeUInt16BE(length, 2);
  } else {
    header[1] = maskBit | 127;
    header.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    header.writeUInt32BE(length >>> 0, 6);
  }
  // The masking key, if any, is the zero-filled tail of the buffer.
  return header;
}
