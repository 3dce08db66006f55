/** Stable codes of what can happen to a connection before or outside its own protocol's errors. */
export const ConnectionErrorCode = {
  /** A connection's handler threw (now or in work it started): that connection was closed, the server went on. */
  HandlerFailed: 'ERR_CONNECTION_HANDLER_FAILED',
  /** An exception no connection could be blamed for: the process exits (systemd restarts it). */
  Uncaught: 'ERR_UNCAUGHT_EXCEPTION',
  /** A new connection was refused: too many unauthenticated connections from its address. */
  PreAuthSourceLimit: 'ERR_PREAUTH_SOURCE_LIMIT',
  /** A new connection was refused: too many unauthenticated connections in all. */
  PreAuthGlobalLimit: 'ERR_PREAUTH_GLOBAL_LIMIT',
  /** A connection did not authenticate within the pre-authentication deadline and was closed. */
  PreAuthTimeout: 'ERR_PREAUTH_TIMEOUT',
} as const;

export type ConnectionErrorCode = (typeof ConnectionErrorCode)[keyof typeof ConnectionErrorCode];
