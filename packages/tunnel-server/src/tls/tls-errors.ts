/** The server's own certificate files (--cert, --key). */
export const ServerTlsErrorCode = {
  FileUnreadable: 'ERR_TLS_FILE_UNREADABLE',
} as const;
