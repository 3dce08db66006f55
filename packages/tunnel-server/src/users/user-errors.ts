export const UserSessionErrorCode = {
  /** The user already holds as many `device tunnel` sessions as one person may. */
  SessionLimit: 'ERR_USER_SESSION_LIMIT',
} as const;
