import type { X509Certificate } from 'node:crypto';
import { summarizeCertificate, toX509List, type CertificateInput, type CertificateSummary } from './certificate.js';
import { TrustError, TrustErrorCode } from './errors.js';
import { checkServerName } from './hostname.js';
import { asTrustAnchors, type TrustAnchors } from './trust-anchors.js';
import { checkValidity } from './validity.js';

export interface VerifyServerChainOptions {
  /** Trust anchors, or PEM strings to build them from (the configured server CA, a DPI root, ...). */
  anchors: TrustAnchors | readonly string[];
  /** The name or address the device dialled; without it the name is not checked. */
  hostname?: string;
  /** The device's clock; the validity windows of every certificate in the path are checked against it. */
  now?: Date;
}

export interface ServerChainVerification {
  ok: boolean;
  /** The first of `problems`: the one to show when only one fits. */
  error?: TrustError;
  /** Every problem found: untrusted issuer, then validity (leaf first), then the name. */
  problems: TrustError[];
  leaf?: CertificateSummary;
  /** Leaf first, as far as it could be built; ends with the anchor when the chain is trusted. */
  path: CertificateSummary[];
  anchor?: CertificateSummary;
}

/** Real chains are 2 to 4 long; the bound stops a hostile peer from making us walk forever. */
const MAX_DEPTH = 8;

/** Name match and signature, the two things that make `parent` the issuer of `child`. */
function issuedBy(child: X509Certificate, parent: X509Certificate): boolean {
  return child.checkIssued(parent) && child.verify(parent.publicKey);
}

interface BuiltPath {
  path: X509Certificate[];
  anchor?: X509Certificate;
}

/**
 * Walks from the leaf towards an anchor, taking intermediates only from what the peer presented,
 * in any order (servers do send them shuffled). An anchor presented by the peer counts only
 * because it is an anchor, never because the peer sent it.
 */
function buildPath(presented: X509Certificate[], anchors: readonly X509Certificate[]): BuiltPath {
  const anchorPrints = new Set(anchors.map((a) => a.fingerprint256));
  const leaf = presented[0] as X509Certificate;
  const path = [leaf];
  let current = leaf;
  while (path.length <= MAX_DEPTH) {
    if (anchorPrints.has(current.fingerprint256)) return { path, anchor: current };
    const anchor = anchors.find((a) => issuedBy(current, a));
    if (anchor) {
      path.push(anchor);
      return { path, anchor };
    }
    // Only CA certificates may sign: otherwise any leaf could vouch for another.
    const next = presented.find((c) => c.ca && !path.includes(c) && issuedBy(current, c));
    if (!next) break;
    path.push(next);
    current = next;
  }
  return { path };
}

function untrustedIssuer(top: CertificateSummary, leafSelfSigned: boolean, anchors: readonly X509Certificate[]): TrustError {
  // An anchor with the very name that did not sign is worth saying: a regenerated development
  // CA, or a box imitating a trusted name. Either way the fix differs from "add this root".
  const sameName = anchors.some((a) => summarizeCertificate(a).subject === top.issuer);
  const shown = `"${top.issuer}"${leafSelfSigned ? ' (self-signed)' : ''}`;
  const message = sameName
    ? `the network presented a certificate issued by ${shown} which is not trusted: a trusted CA has that name but did not sign it ` +
      `(the CA was regenerated, or something imitates it); give the device the server's current CA, or if this network inspects TLS, set balenaRootCA to its root CA`
    : `the network presented a certificate issued by ${shown} which is not trusted; if this network inspects TLS, set balenaRootCA to its root CA`;
  return new TrustError(TrustErrorCode.UntrustedIssuer, message, { issuer: top.issuer, subject: top.subject });
}

/**
 * Verifies a presented server chain ourselves, so a failure can be explained in the terms a
 * person acts on (whose issuer, which date, which name) instead of an OpenSSL code.
 * @param presented leaf first, as the server sent it: DER buffers from getPeerCertificate, PEM, or both.
 */
export function verifyServerChain(
  presented: CertificateInput | readonly CertificateInput[],
  options: VerifyServerChainOptions,
): ServerChainVerification {
  const inputs: readonly CertificateInput[] = Array.isArray(presented) ? presented : [presented as CertificateInput];
  const certs = inputs.flatMap((input) => toX509List(input, 'a presented certificate'));
  if (certs.length === 0) {
    const error = new TrustError(TrustErrorCode.NoPeerCertificate, 'the server presented no certificate; it is not a TLS server this device can trust');
    return { ok: false, error, problems: [error], path: [] };
  }
  const anchors = asTrustAnchors(options.anchors);
  const now = options.now ?? new Date();
  const built = buildPath(certs, anchors.certificates);
  const path = built.path.map((c) => summarizeCertificate(c));
  const leaf = path[0] as CertificateSummary;
  const problems: TrustError[] = [];

  if (!built.anchor) {
    problems.push(untrustedIssuer(path[path.length - 1] as CertificateSummary, path.length === 1 && leaf.selfIssued, anchors.certificates));
  }
  for (const [index, cert] of built.path.entries()) {
    const label = index === 0 ? 'server certificate' : `certificate authority "${(path[index] as CertificateSummary).subject}" in the server's chain`;
    const validity = checkValidity(cert, now, { label });
    if (!validity.valid) problems.push(validity.error);
  }
  if (options.hostname !== undefined) {
    const mismatch = checkServerName(certs[0] as X509Certificate, options.hostname);
    if (mismatch) problems.push(mismatch);
  }

  const result: ServerChainVerification = { ok: problems.length === 0, problems, leaf, path };
  if (problems[0]) result.error = problems[0];
  if (built.anchor) result.anchor = path[path.length - 1] as CertificateSummary;
  return result;
}
