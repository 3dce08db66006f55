import { CodedError } from '../errors.js';

/** Why a device (or a CLI's token) was turned away, in the handshake's error message and in logs. */
export const AuthErrorCode = {
  UnknownDevice: 'ERR_AUTH_UNKNOWN_DEVICE',
  BadKey: 'ERR_AUTH_BAD_KEY',
  ServerIdentity: 'ERR_AUTH_SERVER_IDENTITY',
  RateLimited: 'ERR_AUTH_RATE_LIMITED',
  Protocol: 'ERR_AUTH_PROTOCOL',
  Timeout: 'ERR_AUTH_TIMEOUT',
  /** The server could not check the device just now (its registry does not answer); retry later. */
  ServerUnavailable: 'ERR_AUTH_SERVER_UNAVAILABLE',
  Closed: 'ERR_AUTH_CLOSED',
  /** The server did not bind the session to its TLS channel: too old, or a box in the path stripped the binding. */
  ChannelUnbound: 'ERR_AUTH_CHANNEL_UNBOUND',
  BadToken: 'ERR_AUTH_BAD_TOKEN',
  /** Another agent with the same config holds a healthy session: this one is turned away. */
  DuplicateDevice: 'ERR_AUTH_DUPLICATE_DEVICE',
  /** A CLI connected without an API token. */
  MissingToken: 'ERR_AUTH_MISSING_TOKEN',
} as const;

export type AuthErrorCode = (typeof AuthErrorCode)[keyof typeof AuthErrorCode];

export class AuthError extends CodedError<AuthErrorCode> {
  /** Set when the server asks the device to wait before trying again. */
  readonly retryAfterMs: number | undefined;

  constructor(code: AuthErrorCode, message: string, retryAfterMs?: number) {
    super(code, message);
    this.retryAfterMs = retryAfterMs;
  }
}
