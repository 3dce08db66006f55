/** The server's own certificate files (--cert, --key). */
export const ServerTlsErrorCode = {
  FileUnreadable: 'ERR_TLS_FILE_UNREADABLE',
} as const;

export const ClusterTrustErrorCode = {
  /** A cluster node or admin command found no CA or identity key in its --data directory. */
  Missing: 'ERR_CLUSTER_TRUST_MISSING',
} as const;
