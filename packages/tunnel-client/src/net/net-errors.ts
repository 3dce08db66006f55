/** A connection failed without a system error code to say why. */
export const NetErrorCode = {
  Connect: 'ERR_CONNECT',
} as const;
