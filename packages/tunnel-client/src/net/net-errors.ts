/** A connection failed without a system error code to say why, or a phase of it ran out of time. */
export const NetErrorCode = {
  Connect: 'ERR_CONNECT',
  /** TCP (and the proxy) connected, but the TLS handshake did not finish in time. */
  TlsTimeout: 'ERR_TLS_HANDSHAKE_TIMEOUT',
  /** TLS is up, but the server did not answer the WebSocket upgrade in time. */
  UpgradeTimeout: 'ERR_UPGRADE_TIMEOUT',
  /** The dial was called off (the agent is stopping). */
  Aborted: 'ERR_DIAL_ABORTED',
} as const;
