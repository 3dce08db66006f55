import type tls from 'node:tls';
import { errorCode } from '../errors.js';
import { isoSeconds, type CertificateInput } from './certificate.js';
import { verifyServerChain } from './chain.js';
import { NodeTlsErrorCode, TrustError, TrustErrorCode } from './errors.js';
import { chainFromPeerCertificate } from './inspect.js';
import type { TrustAnchors } from './trust-anchors.js';

export interface TlsDiagnosisContext {
  /** The chain the server presented, leaf first (inspectServerChain().chain, DER or PEM). */
  chain?: readonly CertificateInput[];
  /** The anchors the failed connection used. Needed to name the untrusted issuer precisely. */
  anchors?: TrustAnchors | readonly string[];
  /** The name or address the device dialled. */
  hostname?: string;
  /** The device's clock; `new Date()` when absent. */
  now?: Date;
}

/** OpenSSL's ways of saying "no path to a trusted root", as node:tls reports them in err.code. */
const UNTRUSTED_CODES = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'INVALID_CA',
]);

/** node:tls certificate errors with no finer diagnosis than node's own message. */
const OTHER_CERT_CODES = new Set([
  'CERT_REVOKED',
  'CERT_REJECTED',
  'INVALID_PURPOSE',
  'CERT_CHAIN_TOO_LONG',
  'PATH_LENGTH_EXCEEDED',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'ERROR_IN_CERT_NOT_BEFORE_FIELD',
  'ERROR_IN_CERT_NOT_AFTER_FIELD',
]);

function expectedCode(tlsCode: string | undefined): TrustErrorCode | undefined {
  if (tlsCode === 'CERT_NOT_YET_VALID') return TrustErrorCode.CertNotYetValid;
  if (tlsCode === 'CERT_HAS_EXPIRED') return TrustErrorCode.CertExpired;
  if (tlsCode === NodeTlsErrorCode.AltnameInvalid) return TrustErrorCode.HostnameMismatch;
  if (tlsCode !== undefined && UNTRUSTED_CODES.has(tlsCode)) return TrustErrorCode.UntrustedIssuer;
  if (tlsCode !== undefined && OTHER_CERT_CODES.has(tlsCode)) return TrustErrorCode.CertRejected;
  return undefined;
}

/** ERR_TLS_CERT_ALTNAME_INVALID carries the leaf (with its chain) and the host it was checked against. */
function fromAltnameError(err: unknown): { chain: string[]; host?: string } {
  if (typeof err !== 'object' || err === null) return { chain: [] };
  const { cert, host } = err as { cert?: tls.PeerCertificate; host?: unknown };
  const result: { chain: string[]; host?: string } = { chain: cert && cert.raw ? chainFromPeerCertificate(cert) : [] };
  if (typeof host === 'string') result.host = host;
  return result;
}

/** Words for when the chain could not be read, so the diagnosis still points the right way. */
function withoutChain(code: TrustErrorCode, tlsCode: string, now: Date, hostname: string | undefined, cause: unknown): TrustError {
  const clock = isoSeconds(now);
  const details = { tlsCode, deviceClock: clock, ...(hostname !== undefined ? { hostname } : {}) };
  const unread = 'the chain could not be read to';
  let message: string;
  switch (code) {
    case TrustErrorCode.CertNotYetValid:
      message = `server certificate is not yet valid: device clock ${clock} is before its notBefore (${unread} quote it); the device clock is probably wrong (is NTP, UDP 123, reachable?)`;
      break;
    case TrustErrorCode.CertExpired:
      message = `server certificate has expired: device clock ${clock} is after its notAfter (${unread} quote it); either the device clock is wrong (is NTP, UDP 123, reachable?) or the server certificate must be renewed`;
      break;
    case TrustErrorCode.UntrustedIssuer:
      message = `the network presented a certificate which is not trusted (${tlsCode}; ${unread} name its issuer); if this network inspects TLS, set balenaRootCA to its root CA`;
      break;
    case TrustErrorCode.HostnameMismatch:
      message = `server certificate does not cover "${hostname ?? 'the dialled name'}"; connect using one of the certificate's names, or reissue the server certificate to include it`;
      break;
    default:
      message = `the server certificate was rejected (${tlsCode}): ${cause instanceof Error ? cause.message : String(cause)}`;
  }
  return new TrustError(code, message, details, { cause });
}

/**
 * Turns a failed TLS connection into one precise diagnosis: which clock and which dates, which
 * issuer, which names. Give it the presented chain when you have it (inspectServerChain);
 * without one, the diagnosis still names the cause but cannot quote the certificate.
 * @returns undefined when `err` is not about the server's certificate (refused, reset, DNS, ...).
 */
export function diagnoseTlsError(err: unknown, context: TlsDiagnosisContext = {}): TrustError | undefined {
  const tlsCode = errorCode(err);
  const wanted = expectedCode(tlsCode);
  const now = context.now ?? new Date();
  const altname = tlsCode === NodeTlsErrorCode.AltnameInvalid ? fromAltnameError(err) : { chain: [] as string[] };
  const hostname = context.hostname ?? altname.host;
  const chain = context.chain && context.chain.length > 0 ? context.chain : altname.chain;

  if (wanted === undefined || tlsCode === undefined) return undefined;
  if (chain.length > 0) {
    const { problems } = verifyServerChain(chain, {
      anchors: context.anchors ?? [],
      now,
      ...(hostname !== undefined ? { hostname } : {}),
    });
    // Without anchors every chain looks untrusted; that must not stand in for another finding.
    const others = context.anchors ? problems : problems.filter((p) => p.code !== TrustErrorCode.UntrustedIssuer);
    const match = problems.find((p) => p.code === wanted) ?? (wanted === TrustErrorCode.CertRejected ? others[0] : undefined);
    if (match) {
      match.details.tlsCode = tlsCode;
      return match;
    }
    // Our checks disagree with node's (the chain came from a later pass and differs, say):
    // report node's finding in plain words rather than nothing.
  }
  return withoutChain(wanted, tlsCode, now, hostname, err);
}
