import { FrameType, HEADER_SIZE, PROTOCOL_VERSION } from './constants.js';
import { YamuxErrorCode, YamuxProtocolError } from './errors.js';
import { describeHeader, readHeader, type FrameHeader } from './frame.js';

/** Receives decoded frames. Throwing from a callback stops the decoder for good. */
export interface FrameHandler {
  /** A complete header. For Data frames it comes before any payload, so the length can be vetted first. */
  onHeader(header: FrameHeader): void;
  /** A piece of a Data frame's payload: a view into the input chunk, not a copy. */
  onPayload(header: FrameHeader, payload: Buffer): void;
  /** The frame is complete (for Data, all payload delivered). */
  onFrameEnd(header: FrameHeader): void;
}

/**
 * Streaming frame decoder: accepts the byte stream cut anywhere (a header split across reads,
 * many frames in one read, one byte at a time) and never buffers more than one 12-byte header.
 * Payload is handed on as it arrives rather than reassembled, so a frame's size costs no memory.
 */
export class FrameDecoder {
  private readonly headerBuf = Buffer.allocUnsafe(HEADER_SIZE);
  private headerFill = 0;
  private current: FrameHeader | null = null;
  private payloadLeft = 0;
  private failed: Error | null = null;

  constructor(private readonly handler: FrameHandler) {}

  /** Feeds bytes. Throws the first error (bad header or a handler's objection); later calls rethrow it. */
  write(chunk: Buffer): void {
    if (this.failed) throw this.failed;
    try {
      this.consume(chunk);
    } catch (err) {
      this.failed = err instanceof Error ? err : new Error(String(err));
      throw this.failed;
    }
  }

  /** True when input ended exactly on a frame boundary. */
  get idle(): boolean {
    return this.current === null && this.headerFill === 0;
  }

  private consume(chunk: Buffer): void {
    let offset = 0;
    const end = chunk.length;
    while (offset < end) {
      const frame = this.current;
      if (frame !== null) {
        const n = Math.min(this.payloadLeft, end - offset);
        this.payloadLeft -= n;
        this.handler.onPayload(frame, chunk.subarray(offset, offset + n));
        offset += n;
        if (this.payloadLeft === 0) this.finishFrame(frame);
        continue;
      }
      let header: FrameHeader;
      if (this.headerFill === 0 && end - offset >= HEADER_SIZE) {
        header = readHeader(chunk, offset);
        offset += HEADER_SIZE;
      } else {
        const n = Math.min(HEADER_SIZE - this.headerFill, end - offset);
        chunk.copy(this.headerBuf, this.headerFill, offset, offset + n);
        this.headerFill += n;
        offset += n;
        if (this.headerFill < HEADER_SIZE) return;
        this.headerFill = 0;
        header = readHeader(this.headerBuf, 0);
      }
      this.startFrame(header);
    }
  }

  private startFrame(header: FrameHeader): void {
    if (header.version !== PROTOCOL_VERSION) {
      throw new YamuxProtocolError(YamuxErrorCode.BadVersion, `unsupported yamux version ${header.version} (${describeHeader(header)})`);
    }
    if (header.type > FrameType.GoAway) {
      throw new YamuxProtocolError(YamuxErrorCode.BadType, `unknown yamux frame type ${header.type} (${describeHeader(header)})`);
    }
    this.handler.onHeader(header);
    if (header.type === FrameType.Data && header.length > 0) {
      this.current = header;
      this.payloadLeft = header.length;
    } else {
      this.handler.onFrameEnd(header);
    }
  }

  private finishFrame(header: FrameHeader): void {
    this.current = null;
    this.handler.onFrameEnd(header);
  }
}
