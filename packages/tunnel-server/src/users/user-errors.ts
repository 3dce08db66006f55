export const UserSessionErrorCode = {
  /** The user already holds as many `device tunnel` sessions as one person may. */
  SessionLimit: 'ERR_USER_SESSION_LIMIT',
} as const;

/** The dashboard's cookie session refused a request. */
export const BrowserSessionErrorCode = {
  /** A state-changing request with the session cookie but without the session's CSRF token. */
  Csrf: 'ERR_SESSION_CSRF',
  /** The session cookie is missing, expired, or not one this server issued. */
  Expired: 'ERR_SESSION_EXPIRED',
  /** A login that is not a JSON request (what a cross-site form would send). */
  ContentType: 'ERR_SESSION_CONTENT_TYPE',
} as const;
