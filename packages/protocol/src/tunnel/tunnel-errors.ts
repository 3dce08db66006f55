import type { OpenResult } from './open-protocol.js';

/** The length-prefixed JSON messages of the stream-open handshake. */
export const FramingErrorCode = {
  TooLarge: 'ERR_HANDSHAKE_TOO_LARGE',
  Malformed: 'ERR_HANDSHAKE_MALFORMED',
  Ended: 'ERR_HANDSHAKE_ENDED',
  Timeout: 'ERR_HANDSHAKE_TIMEOUT',
} as const;

/** Stable error code for each refusal of an open, e.g. ERR_OPEN_CONNECTION_REFUSED. */
export function openErrorCode(result: OpenResult): string {
  return `ERR_OPEN_${result.toUpperCase().replace(/-/g, '_')}`;
}

export const JoinErrorCode = {
  /** Tearing down one side threw; both sides were destroyed instead and the join finished. */
  TeardownFailed: 'ERR_STREAM_TEARDOWN_FAILED',
} as const;

/** Why a peer's stream was cut, told in a stream notice before the reset (which carries no words). */
export const StreamNoticeCode = {
  /** The user's access ended while the stream ran: a support grant expired or was revoked, a token rotated. */
  AccessEnded: 'ERR_STREAM_ACCESS_ENDED',
} as const;
