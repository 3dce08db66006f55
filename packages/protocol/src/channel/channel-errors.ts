import { CodedError } from '../errors.js';

/** Why the secure layer (secure-duplex.ts) ended a session: something between the two ends touched its bytes. */
export const SecureChannelErrorCode = {
  /** A record failed authentication: injected, altered, reordered or replayed by something in the path. */
  Tampered: 'ERR_CHANNEL_TAMPERED',
  /** The connection ended in the middle of a record. */
  Truncated: 'ERR_CHANNEL_TRUNCATED',
  /** A record header announced more than a peer ever sends. */
  RecordTooLarge: 'ERR_CHANNEL_RECORD_TOO_LARGE',
  /** The peer's ephemeral key is not a usable X25519 public key. */
  BadKeyShare: 'ERR_CHANNEL_BAD_KEY_SHARE',
} as const;

export type SecureChannelErrorCode = (typeof SecureChannelErrorCode)[keyof typeof SecureChannelErrorCode];

export class SecureChannelError extends CodedError<SecureChannelErrorCode> {}
