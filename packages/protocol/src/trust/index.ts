/**
 * Trust: what a device needs to decide whether to trust the server it reached, and to say in
 * plain words why not. The agent's flow on a failed connection:
 *   1. connect with node:tls/https, `ca: createTrustAnchors({ pems, balenaRootCA, systemRoots }).pems`;
 *   2. on a certificate error, `inspectServerChain(host, port)` (a second, accept-anything
 *      handshake that sends nothing) to read the chain the network presented;
 *   3. `diagnoseTlsError(err, { chain, anchors, hostname, now })` for one coded, plain-words cause.
 * File helpers and parsing internals stay unexported so the package surface stays this list.
 */
export { decodeBalenaRootCA } from './balena-root-ca.js';
export { type CertificateSummary, isoSeconds, summarizeCertificate, toX509List } from './certificate.js';
export { type ServerChainVerification, verifyServerChain } from './chain.js';
export { type ClockOffsetEstimate, describeClockOffset, estimateClockOffset } from './clock.js';
export { blameCertificateDates, clockAgrees } from './date-blame.js';
export { TrustError, TrustErrorCode } from './errors.js';
export {
  deriveDeviceKeyPair,
  DEVICE_KEY_SALT,
  generateServerIdentity,
  loadOrCreateServerIdentity,
  loadServerIdentity,
  publicKeyFromString,
  publicKeyToString,
  SERVER_IDENTITY_FILE,
  type ServerIdentity,
  sign,
  verify,
} from './identity.js';
export { inspectServerChain, peerChain, type ServerChainInspection } from './inspect.js';
export { diagnoseTlsError } from './tls-diagnosis.js';
export { createTrustAnchors } from './trust-anchors.js';
export { checkValidity } from './validity.js';
