/**
 * Trust: what a device needs to decide whether to trust the server it reached, and to say in
 * plain words why not. The agent's flow on a failed connection:
 *   1. connect with node:tls/https, `ca: createTrustAnchors({ pems, balenaRootCA, systemRoots }).pems`;
 *   2. on a certificate error, `inspectServerChain(host, port)` (a second, accept-anything
 *      handshake that sends nothing) to read the chain the network presented;
 *   3. `diagnoseTlsError(err, { chain, anchors, hostname, now })` for one coded, plain-words cause.
 * File helpers and parsing internals stay unexported so the package surface stays this list.
 */
export { TrustError, TrustErrorCode, type TrustErrorDetails } from './errors.js';
export {
  derToPem,
  isoSeconds,
  pemBlocks,
  summarizeCertificate,
  toX509,
  toX509List,
  type CertificateInput,
  type CertificateSummary,
  type PemBlock,
} from './certificate.js';
export { checkValidity, type CheckValidityOptions, type ValidityCheck, type ValidityStatus } from './validity.js';
export {
  createDevCa,
  createServerCertificate,
  DEFAULT_SERVER_NAMES,
  DEV_CA_COMMON_NAME,
  DEV_CA_VALIDITY_DAYS,
  normalizeHostname,
  SERVER_CERT_VALIDITY_DAYS,
  serverCertificateNames,
  type CertificateAndKey,
  type CreateDevCaOptions,
  type CreateServerCertificateOptions,
  type ValidityOptions,
} from './dev-pki.js';
export {
  DEV_PKI_FILES,
  ensureDevPki,
  type DevPki,
  type EnsureDevPkiOptions,
  type ServerCertificateState,
} from './dev-pki-store.js';
export { createTrustAnchors, type TrustAnchors, type TrustAnchorSources } from './trust-anchors.js';
export { decodeBalenaRootCA, type DecodeBalenaRootCAOptions } from './balena-root-ca.js';
export { certificateNames, checkServerName } from './hostname.js';
export { verifyServerChain, type ServerChainVerification, type VerifyServerChainOptions } from './chain.js';
export {
  chainFromPeerCertificate,
  inspectServerChain,
  peerChain,
  type InspectServerChainOptions,
  type ServerChainInspection,
} from './inspect.js';
export { diagnoseTlsError, type TlsDiagnosisContext } from './tls-diagnosis.js';
export { describeClockOffset, estimateClockOffset, type ClockOffsetEstimate } from './clock.js';
export {
  DEVICE_KEY_SALT,
  deriveDeviceKeyPair,
  generateServerIdentity,
  loadOrCreateServerIdentity,
  loadServerIdentity,
  publicKeyFromString,
  publicKeyToString,
  SERVER_IDENTITY_FILE,
  sign,
  verify,
  type Ed25519KeyPair,
  type ServerIdentity,
  type SignableData,
} from './identity.js';
