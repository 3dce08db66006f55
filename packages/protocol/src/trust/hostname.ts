import net from 'node:net';
import { summarizeCertificate, toX509, type CertificateInput } from './certificate.js';
import { TrustError, TrustErrorCode } from './errors.js';

/** The names a certificate answers to, as a person would list them. */
export function certificateNames(cert: CertificateInput): string[] {
  const summary = summarizeCertificate(cert);
  const names = [...summary.dnsNames, ...summary.ipAddresses];
  // Without SANs, TLS clients fall back to the subject CN; show that so the message is not empty.
  if (names.length === 0) {
    const cn = /(?:^|, )CN=((?:[^,\\]|\\.)*)/.exec(summary.subject)?.[1];
    if (cn) names.push(cn);
  }
  return names;
}

/**
 * Checks that `cert` covers the name or address the device dialled, with node's own matching
 * (wildcards, CN only without SANs), so this agrees with what node:tls decides.
 * @returns undefined when it matches, else the ERR_TLS_HOSTNAME_MISMATCH diagnosis.
 */
export function checkServerName(cert: CertificateInput, hostname: string): TrustError | undefined {
  const x509 = toX509(cert);
  const bare = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
  const target = bare.replace(/\.$/, '');
  const matched = net.isIP(target) !== 0 ? x509.checkIP(target) : x509.checkHost(target);
  if (matched !== undefined) return undefined;
  const names = certificateNames(x509);
  return new TrustError(
    TrustErrorCode.HostnameMismatch,
    `server certificate is for "${names.join(', ')}" but the device connected to "${hostname}"; ` +
      `connect using one of the certificate's names, or reissue the server certificate to include "${hostname}"`,
    { hostname, certificateNames: names },
  );
}
