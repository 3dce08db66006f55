import { CodedError } from '@tunnel/protocol/errors';

/** Codes of the server's generic HTTP answers (routes add their own). */
export const HttpErrorCode = {
  NotFound: 'ERR_HTTP_NOT_FOUND',
  Method: 'ERR_HTTP_METHOD',
  /** A path segment is not valid percent-encoding. */
  BadPath: 'ERR_HTTP_BAD_PATH',
  Internal: 'ERR_HTTP_INTERNAL',
  BodyTooLarge: 'ERR_HTTP_BODY_TOO_LARGE',
  BadJson: 'ERR_HTTP_BAD_JSON',
  /** The server is shutting down and takes nothing new. */
  Draining: 'ERR_SERVER_DRAINING',
} as const;

/** Why the listener could not bind. */
export const ListenErrorCode = {
  PrivilegedPort: 'ERR_BIND_PRIVILEGED_PORT',
  InUse: 'ERR_BIND_IN_USE',
  Address: 'ERR_BIND_ADDRESS',
  Other: 'ERR_BIND',
} as const;

/** An error that already knows its HTTP answer: status, stable code, message, extra headers. */
export class HttpError extends CodedError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(code, message);
  }
}
