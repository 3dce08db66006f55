/** Refusals of the HTTP CONNECT interface and of plain proxy requests. */
export const ConnectProxyErrorCode = {
  /** Not <device>.balena:<port> (or .vpn): this is a door to devices, not an open proxy. */
  BadTarget: 'ERR_CONNECT_BAD_TARGET',
  /** The device's server broke off a forwarded plain HTTP exchange. */
  ForwardFailed: 'ERR_FORWARD_FAILED',
} as const;
