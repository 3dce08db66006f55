import { CodedError } from '@tunnel/protocol/errors';

/** Stable codes for what a presence backend can fail with. */
export const PresenceErrorCode = {
  /** The --presence value is not a redis:// or rediss:// URL. */
  InvalidUrl: 'ERR_PRESENCE_INVALID_URL',
  /** Redis did not answer or refused the login. */
  Unreachable: 'ERR_PRESENCE_UNREACHABLE',
} as const;

export type PresenceErrorCode = (typeof PresenceErrorCode)[keyof typeof PresenceErrorCode];

export class PresenceError extends CodedError<PresenceErrorCode> {}
