// Wire constants from hashicorp/yamux spec.md. Anything here changes interoperability.

export const PROTOCOL_VERSION = 0;
export const HEADER_SIZE = 12;

export enum FrameType {
  Data = 0,
  WindowUpdate = 1,
  Ping = 2,
  GoAway = 3,
}

export const Flag = {
  SYN: 0x1,
  ACK: 0x2,
  FIN: 0x4,
  RST: 0x8,
} as const;

export enum GoAwayCode {
  Normal = 0,
  ProtocolError = 1,
  InternalError = 2,
}

/** Both ends assume this window for a new stream; larger windows are granted by window updates. */
export const INITIAL_STREAM_WINDOW = 256 * 1024;

/** Windows and lengths are unsigned 32-bit on the wire. */
export const MAX_UINT32 = 0xffff_ffff;

/** Stream id 0 addresses the session itself (Ping, GoAway). */
export const SESSION_STREAM_ID = 0;
