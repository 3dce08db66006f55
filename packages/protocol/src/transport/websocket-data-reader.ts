/**
 * Reads the binary data frames of a WebSocket straight off its socket, so the tunnel's bytes reach
 * yamux without a trip through ws's Receiver (a Writable that parses, collects whole messages and
 * emits them): on a 64-byte round trip through three processes that trip cost more than TLS did.
 *
 * Only the frames our own peers send take this path: complete (FIN) binary frames without
 * extension bits, masked exactly when RFC 6455 says the sender must mask, within maxPayload.
 * Every other byte (pings, pongs, close frames, text, fragmented messages, anything malformed) is
 * handed on unchanged and in order to `other`, i.e. to ws's own receiver, which answers pings,
 * runs the close handshake and fails the connection with the right close code, as before.
 */

export interface DataFrameSink {
  /** Payload of a binary data frame, unmasked; a large frame arrives as several consecutive pieces. */
  data(payload: Buffer): void;
  /** Raw bytes of everything else, in stream order. */
  other(bytes: Buffer): void;
}

export interface DataFrameReaderOptions {
  /** Frames from a client are masked (RFC 6455 5.1): true on the server end. */
  expectMasked: boolean;
  /** Larger frames go to `other`, whose receiver applies its own limit (close code 1009). */
  maxPayload: number;
}

const FIN = 0x80;
const RSV_BITS = 0x70;
const OPCODE_BITS = 0x0f;
const OPCODE_CONTINUATION = 0x0;
const OPCODE_TEXT = 0x1;
const OPCODE_BINARY = 0x2;
const OPCODE_CLOSE = 0x8;
const OPCODE_PING = 0x9;
const OPCODE_PONG = 0xa;
const MASK_BIT = 0x80;
/** 2 bytes, an 8-byte extended length, a 4-byte masking key. */
const MAX_HEADER = 14;

export class DataFrameReader {
  private readonly sink: DataFrameSink;
  private readonly expectMasked: boolean;
  private readonly maxPayload: number;
  private readonly header = Buffer.alloc(MAX_HEADER);
  private headerBytes = 0;
  /** Payload bytes of the current frame still to come; 0 between frames. */
  private remaining = 0;
  /** The current frame goes to `other` rather than `data`. */
  private forwarding = false;
  /** Masking key of the current data frame when it is not all zeros (ours send zeros). */
  private readonly key = Buffer.alloc(4);
  private keyActive = false;
  private keyOffset = 0;
  /** A fragmented message is under way in the other receiver: its continuations must follow it there. */
  private fragmented = false;
  /** After a close frame or a malformed frame everything goes to `other`, which ends the connection. */
  private passthrough = false;

  constructor(sink: DataFrameSink, options: DataFrameReaderOptions) {
    this.sink = sink;
    this.expectMasked = options.expectMasked;
    this.maxPayload = options.maxPayload;
  }

  write(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.passthrough) {
        this.sink.other(offset === 0 ? chunk : chunk.subarray(offset));
        return;
      }
      if (this.remaining > 0) {
        offset = this.payload(chunk, offset);
        continue;
      }
      offset = this.readHeader(chunk, offset);
    }
  }

  private payload(chunk: Buffer, offset: number): number {
    const n = Math.min(this.remaining, chunk.length - offset);
    const piece = offset === 0 && n === chunk.length ? chunk : chunk.subarray(offset, offset + n);
    this.remaining -= n;
    if (this.forwarding) {
      this.sink.other(piece);
    } else {
      if (this.keyActive) this.unmask(piece);
      this.sink.data(piece);
    }
    return offset + n;
  }

  /** Collects header bytes (a header may be cut anywhere); acts on the frame once it is whole. */
  private readHeader(chunk: Buffer, offset: number): number {
    const header = this.header;
    if (this.headerBytes < 2) {
      const n = Math.min(2 - this.headerBytes, chunk.length - offset);
      chunk.copy(header, this.headerBytes, offset, offset + n);
      this.headerBytes += n;
      offset += n;
      if (this.headerBytes < 2) return offset;
    }
    const size = headerSize(header[1]!);
    const n = Math.min(size - this.headerBytes, chunk.length - offset);
    chunk.copy(header, this.headerBytes, offset, offset + n);
    this.headerBytes += n;
    offset += n;
    if (this.headerBytes === size) this.startFrame(size);
    return offset;
  }

  private startFrame(size: number): void {
    const header = this.header;
    this.headerBytes = 0;
    const b0 = header[0]!;
    const b1 = header[1]!;
    const opcode = b0 & OPCODE_BITS;
    const masked = (b1 & MASK_BIT) !== 0;
    const length = payloadLength(header);
    const isData =
      (b0 & FIN) !== 0 &&
      (b0 & RSV_BITS) === 0 &&
      opcode === OPCODE_BINARY &&
      !this.fragmented &&
      masked === this.expectMasked &&
      length <= this.maxPayload;
    if (isData) {
      this.forwarding = false;
      this.remaining = length;
      this.keyActive = masked && header.readUInt32BE(size - 4) !== 0;
      if (this.keyActive) {
        header.copy(this.key, 0, size - 4, size);
        this.keyOffset = 0;
      }
      return;
    }
    // A copy: the header buffer is reused for the next frame while the receiver may hold on to it.
    this.sink.other(Buffer.from(header.subarray(0, size)));
    this.forwarding = true;
    this.remaining = length;
    if (opcode === OPCODE_TEXT || opcode === OPCODE_BINARY) this.fragmented = (b0 & FIN) === 0;
    else if (opcode === OPCODE_CONTINUATION && (b0 & FIN) !== 0) this.fragmented = false;
    // Past a close frame nothing more is data; a frame the receiver cannot accept fails the
    // connection there, and it must see the rest as it would have.
    const known = opcode <= OPCODE_BINARY || opcode === OPCODE_PING || opcode === OPCODE_PONG;
    if (!known || opcode === OPCODE_CLOSE || (b0 & RSV_BITS) !== 0) this.passthrough = true;
  }

  private unmask(piece: Buffer): void {
    const key = this.key;
    let k = this.keyOffset;
    for (let i = 0; i < piece.length; i++) {
      piece[i] = piece[i]! ^ key[k]!;
      k = (k + 1) & 3;
    }
    this.keyOffset = k;
  }
}

/** Header length from the second byte: base 2, extended length 0/2/8, masking key 0/4. */
function headerSize(b1: number): number {
  const len7 = b1 & 0x7f;
  return 2 + (len7 < 126 ? 0 : len7 === 126 ? 2 : 8) + ((b1 & MASK_BIT) !== 0 ? 4 : 0);
}

function payloadLength(header: Buffer): number {
  const len7 = header[1]! & 0x7f;
  if (len7 < 126) return len7;
  if (len7 === 126) return header.readUInt16BE(2);
  // Beyond 2^53 a number cannot hold it exactly; such a frame is refused by maxPayload anyway.
  return header.readUInt32BE(2) * 2 ** 32 + header.readUInt32BE(6);
}
