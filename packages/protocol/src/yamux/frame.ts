import { FrameType, PROTOCOL_VERSION } from './constants.js';

export interface FrameHeader {
  version: number;
  type: FrameType;
  flags: number;
  streamId: number;
  /** Payload length for Data, window delta for WindowUpdate, opaque value for Ping, code for GoAway. */
  length: number;
}

export function writeHeader(target: Buffer, offset: number, type: FrameType, flags: number, streamId: number, length: number): void {
  target[offset] = PROTOCOL_VERSION;
  target[offset + 1] = type;
  target.writeUInt16BE(flags, offset + 2);
  target.writeUInt32BE(streamId >>> 0, offset + 4);
  target.writeUInt32BE(length >>> 0, offset + 8);
}

/** Reads a header without validating it; the decoder and the session decide what is legal. */
export function readHeader(source: Buffer, offset: number): FrameHeader {
  return {
    version: source[offset]!,
    type: source[offset + 1]!,
    flags: source.readUInt16BE(offset + 2),
    streamId: source.readUInt32BE(offset + 4),
    length: source.readUInt32BE(offset + 8),
  };
}

const typeNames: Record<number, string> = {
  [FrameType.Data]: 'Data',
  [FrameType.WindowUpdate]: 'WindowUpdate',
  [FrameType.Ping]: 'Ping',
  [FrameType.GoAway]: 'GoAway',
};

/** For logs and error messages. */
export function describeHeader(h: FrameHeader): string {
  return `${typeNames[h.type] ?? `type ${h.type}`} stream ${h.streamId} flags 0x${h.flags.toString(16)} length ${h.length}`;
}
