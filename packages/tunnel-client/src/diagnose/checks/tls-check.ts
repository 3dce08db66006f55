import {
  toX509List,
  TrustError,
  TrustErrorCode,
  verifyServerChain,
  type CertificateSummary,
} from '@tunnel/protocol/trust';
import { trustAnchors } from '../../agent/trust-context.js';
import type { DeviceConfig } from '../../agent/device-config.js';
import { readPresentedChain } from '../../agent/presented-chain.js';
import { after, given, type Check } from '../check.js';
import { outcomeOf } from '../remedies.js';
import { serverOf } from './server.js';

/** Problems of trust and naming; dates belong to the validity check. */
const TRUST_CODES: ReadonlySet<string> = new Set([
  TrustErrorCode.UntrustedIssuer,
  TrustErrorCode.HostnameMismatch,
  TrustErrorCode.NoPeerCertificate,
]);

/** node:tls verdicts the validity check explains better. */
const DATE_TLS_CODES: ReadonlySet<string> = new Set(['CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED']);

function holds(pems: readonly string[], fingerprint: string): boolean {
  return pems.some((pem) => toX509List(pem).some((cert) => cert.fingerprint256 === fingerprint));
}

/** Which configured source vouches for the chain: that is where a person would change it. */
function trustedThrough(config: DeviceConfig, anchor: CertificateSummary): string {
  if (holds(config.balenaRootCA, anchor.fingerprint256)) {
    return `trusted through balenaRootCA "${anchor.subject}": this network inspects TLS and the device trusts its root`;
  }
  if (holds(config.serverCA, anchor.fingerprint256)) return `trusted through serverCA "${anchor.subject}"`;
  return `trusted through the system root "${anchor.subject}"`;
}

function describePath(path: readonly CertificateSummary[]): string {
  return path.map((cert, i) => (i === 0 ? `"${cert.subject}"` : `issued by "${cert.subject}"`)).join(' ');
}

/**
 * A TLS handshake that accepts anything, to read what the network presents, then our own
 * verification of that chain against the device's anchors and the name it dials.
 */
export const tlsCheck: Check = {
  name: 'tls',
  blockedBy: after('tcp'),
  async run(state) {
    const target = serverOf(state);
    const config = given(state.config, 'the device config');
    const anchors = trustAnchors(config);
    try {
      state.inspection = await readPresentedChain(target.host, target.port, {
        proxy: given(state.proxy, 'the proxy settings'),
        timeoutMs: state.options.timeoutMs,
        ca: anchors,
      });
    } catch (err) {
      return outcomeOf(err, target);
    }
    const inspection = state.inspection;
    const verification = verifyServerChain(inspection.chain, { anchors, hostname: target.host, now: new Date() });
    state.verification = verification;
    const handshake = `${inspection.protocol ?? 'TLS'} (${inspection.cipher})`;
    const problem = verification.problems.find((p) => TRUST_CODES.has(p.code));
    if (problem) {
      const outcome = outcomeOf(problem, target);
      return { ...outcome, detail: `${handshake}: ${outcome.detail}` };
    }
    const nodeVerdict = inspection.authorizationError;
    if (!inspection.authorized && nodeVerdict !== undefined && !DATE_TLS_CODES.has(nodeVerdict)) {
      const rejected = new TrustError(TrustErrorCode.CertRejected, `node:tls rejects the chain ${describePath(verification.path)} (${nodeVerdict})`);
      const outcome = outcomeOf(rejected, target);
      return { ...outcome, detail: `${handshake}: ${outcome.detail}` };
    }
    const anchor = given(verification.anchor, 'the trust anchor of a verified chain');
    return { status: 'PASS', detail: `${handshake}, chain ${describePath(verification.path)}; ${trustedThrough(config, anchor)}` };
  },
};
