import { CodedError } from '../errors.js';

/**
 * Stable codes for everything the trust module can report. `ERR_TLS_*` are diagnoses of a server
 * the device tried to trust; `ERR_TRUST_*` are local problems (files, configuration, keys).
 */
export const TrustErrorCode = {
  /** The server certificate (or a CA in its chain) starts after the local clock's now. */
  CertNotYetValid: 'ERR_TLS_CERT_NOT_YET_VALID',
  /** The server certificate (or a CA in its chain) ended before the local clock's now. */
  CertExpired: 'ERR_TLS_CERT_EXPIRED',
  /** The chain does not lead to any trust anchor; the message names the issuer that was shown. */
  UntrustedIssuer: 'ERR_TLS_UNTRUSTED_ISSUER',
  /** The certificate does not cover the name or address the device dialled. */
  HostnameMismatch: 'ERR_TLS_HOSTNAME_MISMATCH',
  /** The server completed a handshake without presenting any certificate. */
  NoPeerCertificate: 'ERR_TLS_NO_PEER_CERTIFICATE',
  /** node:tls rejected the certificate for a reason with no finer diagnosis (revoked, purpose, ...). */
  CertRejected: 'ERR_TLS_CERT_REJECTED',
  /** The diagnostic handshake of inspectServerChain failed (refused, reset, not TLS). */
  InspectFailed: 'ERR_TLS_INSPECT_FAILED',
  /** The diagnostic handshake of inspectServerChain did not finish in time. */
  InspectTimeout: 'ERR_TLS_INSPECT_TIMEOUT',
  /** The data directory (or a file in it) cannot be created or written. */
  DataDirUnwritable: 'ERR_TRUST_DATA_DIR_UNWRITABLE',
  /** A file exists but cannot be read (permissions, a directory in its place). */
  FileUnreadable: 'ERR_TRUST_FILE_UNREADABLE',
  /** A PEM file or string does not hold what it must (certificate, RSA/Ed25519 private key). */
  PemInvalid: 'ERR_TRUST_PEM_INVALID',
  /** Only half of a certificate/key pair exists, so regenerating would silently replace a CA. */
  PkiIncomplete: 'ERR_TRUST_PKI_INCOMPLETE',
  /** A private key does not belong to the certificate stored beside it. */
  KeyMismatch: 'ERR_TRUST_KEY_MISMATCH',
  /** A hostname or IP address asked for in a certificate is malformed. */
  HostnameInvalid: 'ERR_TRUST_HOSTNAME_INVALID',
  /** config.json `balenaRootCA` is not base64 of PEM certificates. */
  BalenaRootCaInvalid: 'ERR_TRUST_BALENA_ROOT_CA_INVALID',
  /** A public key string is not base64url of a raw 32-byte Ed25519 key. */
  PublicKeyInvalid: 'ERR_TRUST_PUBLIC_KEY_INVALID',
  /** The deviceApiKey to derive a device key from is empty or not a string. */
  DeviceApiKeyInvalid: 'ERR_TRUST_DEVICE_API_KEY_INVALID',
  /** generateServerIdentity would replace an existing identity that devices pin. */
  IdentityExists: 'ERR_TRUST_IDENTITY_EXISTS',
} as const;

export type TrustErrorCode = (typeof TrustErrorCode)[keyof typeof TrustErrorCode];

/** Node's own codes the diagnosis recognises (node:tls); not ours to change. */
export const NodeTlsErrorCode = {
  AltnameInvalid: 'ERR_TLS_CERT_ALTNAME_INVALID',
} as const;

/**
 * Machine-readable facts behind a trust error, so logs and `diagnose --json` need not parse the
 * message. Dates are ISO 8601 strings, the form they take in JSON logs anyway.
 */
export interface TrustErrorDetails {
  deviceClock?: string;
  notBefore?: string;
  notAfter?: string;
  /** Subject of the certificate the error is about (RFC 4514 order, CN first). */
  subject?: string;
  /** The issuer that could not be traced to a trust anchor. */
  issuer?: string;
  /** The name or address the device dialled. */
  hostname?: string;
  /** DNS names and IP addresses the certificate is valid for. */
  certificateNames?: string[];
  /** The server's clock, when it was asked to tell a wrong device clock from a wrong certificate. */
  serverClock?: string;
  /** node:tls error code this diagnosis was made from, when there was one. */
  tlsCode?: string;
  /** File the error is about. */
  path?: string;
}

export class TrustError extends CodedError<TrustErrorCode> {
  readonly details: TrustErrorDetails;

  constructor(code: TrustErrorCode, message: string, details: TrustErrorDetails = {}, options?: { cause?: unknown }) {
    super(code, message, options);
    this.details = details;
  }
}
