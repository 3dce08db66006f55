/** The JSON API's own refusals (authentication and access answer with theirs). */
export const ApiErrorCode = {
  /** A query parameter names no known value. */
  BadFilter: 'ERR_API_BAD_FILTER',
  /** The token is valid but its user may not read this (e.g. /metrics without the admin role or the metrics token). */
  Forbidden: 'ERR_API_FORBIDDEN',
} as const;
