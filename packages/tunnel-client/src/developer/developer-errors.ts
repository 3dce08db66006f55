/** The developer CLI's own codes (the server's answers keep the server's codes). */
export const DeveloperErrorCode = {
  /** A -p mapping cannot be parsed, or two mappings share a local port. */
  InvalidMapping: 'ERR_INVALID_MAPPING',
  /** The server did not answer an API request in time. */
  ServerTimeout: 'ERR_SERVER_TIMEOUT',
  /** The server's answer was not the JSON the API promises. */
  ApiResponse: 'ERR_API_RESPONSE',
  /** The CLI is shutting down its session. */
  SessionClosed: 'ERR_SESSION_CLOSED',
  DeviceOffline: 'ERR_DEVICE_OFFLINE',
  /** Not one -p mapping could open its local port. */
  NoListener: 'ERR_NO_LISTENER',
  /** A local port could not be opened, for no reason the system named. */
  Listen: 'ERR_LISTEN',
  /** A stream to the device could not be opened, for no reason the server named. */
  Open: 'ERR_OPEN',
} as const;

/** A local port could not be opened: ERR_LISTEN_EADDRINUSE and the like. */
export function listenErrorCode(systemCode: string | undefined): string {
  return systemCode ? `${DeveloperErrorCode.Listen}_${systemCode}` : DeveloperErrorCode.Listen;
}

/** An HTTP error answer without a code of its own: ERR_HTTP_502 and the like. */
export function httpStatusErrorCode(status: number): string {
  return `ERR_HTTP_${status}`;
}

export const CredentialsErrorCode = {
  Unreadable: 'ERR_CREDENTIALS_UNREADABLE',
  Invalid: 'ERR_CREDENTIALS_INVALID',
} as const;

export const ConnectionErrorCode = {
  NotLoggedIn: 'ERR_NOT_LOGGED_IN',
  BadServer: 'ERR_INVALID_SERVER',
  CaUnreadable: 'ERR_CA_UNREADABLE',
} as const;

/** `tunnel-client ssh`. */
export const SshErrorCode = {
  /** No ssh program on PATH. */
  Missing: 'ERR_SSH_MISSING',
} as const;

export const TokenInputErrorCode = {
  /** Standard input ended without a token. */
  Empty: 'ERR_TOKEN_EMPTY',
  /** Ctrl-C at the token prompt. */
  Aborted: 'ERR_ABORTED',
} as const;
