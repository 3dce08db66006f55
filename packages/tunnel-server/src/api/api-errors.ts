/** The JSON API's own refusals (authentication and access answer with theirs). */
export const ApiErrorCode = {
  /** A query parameter names no known value. */
  BadFilter: 'ERR_API_BAD_FILTER',
} as const;
