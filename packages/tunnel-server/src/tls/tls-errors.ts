/** The server's own certificate files (--cert, --key). */
export const ServerTlsErrorCode = {
  FileUnreadable: 'ERR_TLS_FILE_UNREADABLE',
  /** The listener's certificate has expired: devices refuse it until it is renewed. */
  CertificateExpired: 'ERR_TLS_SERVER_CERT_EXPIRED',
  /** The listener's certificate starts in the future (issued on a machine whose clock runs ahead). */
  CertificateNotYetValid: 'ERR_TLS_SERVER_CERT_NOT_YET_VALID',
  /** A client broke off the handshake over the certificate (a TLS alert, or a hang-up while it is out of date). */
  RejectedByClient: 'ERR_TLS_REJECTED_BY_CLIENT',
} as const;

export const ClusterTrustErrorCode = {
  /** A cluster node or admin command found no CA or identity key in its --data directory. */
  Missing: 'ERR_CLUSTER_TRUST_MISSING',
} as const;
