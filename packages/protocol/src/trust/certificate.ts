import { X509Certificate } from 'node:crypto';
import net from 'node:net';
import type Forge from 'node-forge';
import { TrustError, TrustErrorCode } from './errors.js';
import { loadForge } from './forge.js';

/**
 * Anything a certificate arrives as: PEM text (node:tls `ca` style, possibly several certificates),
 * DER bytes (`getPeerCertificate().raw`), a parsed node:crypto or node-forge certificate.
 * Inspection goes through node:crypto X509Certificate because node-forge cannot parse
 * certificates with EC or Ed25519 keys, which DPI boxes and public servers commonly present.
 */
export type CertificateInput = string | Uint8Array | X509Certificate | Forge.pki.Certificate;

/** What the trust checks and their messages need to know about one certificate. */
export interface CertificateSummary {
  /** RFC 4514 order (most specific first): `CN=RCSI-TLS-PROTECT, OU=IT, O=Example DPI`. */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  /** Subject equals issuer: a root, or a leaf that signed itself. */
  selfIssued: boolean;
  dnsNames: string[];
  /** Canonical text form (`::1`, not `0:0:0:0:0:0:0:1`). */
  ipAddresses: string[];
  fingerprint256: string;
  pem: string;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

export interface PemBlock {
  label: string;
  /** The block re-emitted with 64-column lines and `\n` endings, whatever it was read with. */
  pem: string;
}

function wrapPem(label: string, base64: string): string {
  const lines = base64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Every PEM block in `text`, in order, whatever its label. Line breaks inside a block are
 * rebuilt: PEM that went through editors, Windows or config files arrives with CRLF, doubled
 * CRs or re-wrapped lines, and all of it is the same certificate.
 */
export function pemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(PEM_BLOCK)) {
    const label = match[1] ?? '';
    blocks.push({ label, pem: wrapPem(label, (match[2] ?? '').replace(/\s+/g, '')) });
  }
  return blocks;
}

export function derToPem(der: Uint8Array): string {
  return wrapPem('CERTIFICATE', Buffer.from(der).toString('base64'));
}

function isForgeCertificate(input: object): input is Forge.pki.Certificate {
  return 'validity' in input && 'serialNumber' in input && 'subject' in input;
}

function parseOne(source: string | Uint8Array, what: string): X509Certificate {
  try {
    return new X509Certificate(source);
  } catch (err) {
    throw new TrustError(
      TrustErrorCode.PemInvalid,
      `${what} is not a valid X.509 certificate (${(err as Error).message})`,
      {},
      { cause: err },
    );
  }
}

/**
 * Parses every certificate an input holds. A PEM string may bundle several (a `ca` file, a
 * presented chain); other PEM blocks in it (keys, parameters) are ignored.
 * @param what names the input in the error message, e.g. `"ca.pem in /data"`.
 */
export function toX509List(input: CertificateInput, what = 'the certificate'): X509Certificate[] {
  if (input instanceof X509Certificate) return [input];
  if (typeof input === 'string') {
    const certs = pemBlocks(input).filter((b) => b.label === 'CERTIFICATE');
    if (certs.length === 0) {
      throw new TrustError(TrustErrorCode.PemInvalid, `${what} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)`);
    }
    return certs.map((b) => parseOne(b.pem, what));
  }
  if (input instanceof Uint8Array) return [parseOne(input, what)];
  if (isForgeCertificate(input)) return [parseOne(loadForge().pki.certificateToPem(input), what)];
  throw new TrustError(TrustErrorCode.PemInvalid, `${what} is neither PEM, DER nor a parsed certificate`);
}

/** The one certificate an input stands for; of a PEM bundle, the first (the leaf of a chain). */
export function toX509(input: CertificateInput, what?: string): X509Certificate {
  return toX509List(input, what)[0] as X509Certificate;
}

/**
 * Node prints names one attribute per line in DER order, already RFC 4514-escaped; people and
 * openssl-style messages read them most specific first, so the order is reversed.
 */
export function formatDistinguishedName(multiline: string): string {
  return multiline
    .split('\n')
    .filter((line) => line.length > 0)
    .reverse()
    .join(', ');
}

/** Canonical IP text, so `0:0:0:0:0:0:0:1` from node's SAN output compares equal to `::1`. */
export function canonicalIp(address: string): string {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = net.isIP(bare);
  if (family === 0) return bare;
  return new net.SocketAddress({ address: bare, family: family === 6 ? 'ipv6' : 'ipv4' }).address;
}

/**
 * Splits node's `subjectAltName` text. Node wraps a value in JSON quotes when it contains
 * characters that would make the list ambiguous (a comma, a quote), so a naive split is wrong.
 */
export function parseSubjectAltName(text: string | undefined): { dnsNames: string[]; ipAddresses: string[] } {
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  if (!text) return { dnsNames, ipAddresses };
  const entry = /\s*([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)(?:,|$)/g;
  for (const match of text.matchAll(entry)) {
    const kind = match[1];
    const raw = match[2] ?? '';
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        value = raw;
      }
    }
    if (kind === 'DNS') dnsNames.push(value);
    else if (kind === 'IP Address') ipAddresses.push(canonicalIp(value));
  }
  return { dnsNames, ipAddresses };
}

export function summarizeCertificate(input: CertificateInput): CertificateSummary {
  const x509 = toX509(input);
  const subject = formatDistinguishedName(x509.subject);
  const issuer = formatDistinguishedName(x509.issuer);
  return {
    subject,
    issuer,
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
    isCa: x509.ca,
    selfIssued: subject === issuer,
    ...parseSubjectAltName(x509.subjectAltName),
    fingerprint256: x509.fingerprint256,
    pem: x509.toString(),
  };
}

/** `2017-03-23T12:00:04Z`: whole seconds, since certificate times have no finer resolution. */
export function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
