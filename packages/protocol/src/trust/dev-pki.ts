import { generateKeyPair, randomBytes } from 'node:crypto';
import net from 'node:net';
import { promisify } from 'node:util';
import type Forge from 'node-forge';
import { canonicalIp } from './certificate.js';
import { TrustError, TrustErrorCode } from './errors.js';
import { loadForge, type NodeForge } from './forge.js';

const generateKeyPairAsync = promisify(generateKeyPair);

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * notBefore defaults to an hour back: a device whose clock is a little behind the machine that
 * just generated the certificate must not be told it is "not yet valid".
 */
const DEFAULT_BACKDATE_MS = 60 * 60 * 1000;

export const DEV_CA_COMMON_NAME = 'Tunnel Development CA';
export const DEV_CA_VALIDITY_DAYS = 3650;
export const SERVER_CERT_VALIDITY_DAYS = 730;
/** Always in a development server certificate, so local tools and tests reach it by any loopback name. */
export const DEFAULT_SERVER_NAMES: readonly string[] = ['localhost', '127.0.0.1', '::1'];

/** A certificate with its private key, both PEM (PKCS#8 for the key, which node:tls loads as is). */
export interface CertificateAndKey {
  certificatePem: string;
  privateKeyPem: string;
}

export interface ValidityOptions {
  /** Start of validity; tests move it to make not-yet-valid or expired certificates. */
  notBefore?: Date;
  /** The clock the default notBefore (an hour before now) is taken from. */
  now?: Date;
  /** End of validity; wins over validityDays. */
  notAfter?: Date;
  /** Length of validity counted from notBefore. */
  validityDays?: number;
}

export interface CreateDevCaOptions extends ValidityOptions {
  commonName?: string;
  organization?: string;
  /** RSA modulus length; 2048 keeps generation fast and every TLS stack happy. */
  keyBits?: number;
  /** Sign with this CA instead of self-signing: an intermediate CA, as many real chains have. */
  issuer?: CertificateAndKey;
}

export interface CreateServerCertificateOptions extends ValidityOptions {
  /** DNS names and IP addresses to add to the defaults (localhost, 127.0.0.1, ::1). */
  hostnames?: readonly string[];
  /** Defaults to the first extra hostname, else `localhost`. */
  commonName?: string;
  keyBits?: number;
  /** Also valid as a TLS client certificate (a cluster node presents it on links it dials). */
  clientAuth?: boolean;
}

interface RsaKeys {
  privateKeyPem: string;
  privateKey: Forge.pki.rsa.PrivateKey;
  publicKey: Forge.pki.rsa.PublicKey;
}

/** Key generation goes to node:crypto: native and off the event loop, where forge's is neither. */
async function generateRsaKeys(forge: NodeForge, bits: number): Promise<RsaKeys> {
  const { privateKey: privateKeyPem } = await generateKeyPairAsync('rsa', {
    modulusLength: bits,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const privateKey = forge.pki.privateKeyFromPem(privateKeyPem);
  return { privateKeyPem, privateKey, publicKey: forge.pki.setRsaPublicKey(privateKey.n, privateKey.e) };
}

/** 16 random bytes with the top bit clear: DER serials are signed and must be positive. */
function randomSerial(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}

function validityWindow(options: ValidityOptions, defaultDays: number): { notBefore: Date; notAfter: Date } {
  const notBefore = options.notBefore ?? new Date((options.now ?? new Date()).getTime() - DEFAULT_BACKDATE_MS);
  const notAfter = options.notAfter ?? new Date(notBefore.getTime() + (options.validityDays ?? defaultDays) * DAY_MS);
  return { notBefore, notAfter };
}

const DNS_NAME = /^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

/**
 * Lower-cases DNS names, strips a trailing dot and IPv6 brackets, canonicalises IPs: the form
 * SAN matching and "is this name already in the certificate" comparisons need.
 */
export function normalizeHostname(name: string): string {
  const trimmed = name.trim();
  const bare = trimmed.startsWith('[') && trimmed.endsWith(']') ? trimmed.slice(1, -1) : trimmed;
  if (net.isIP(bare) !== 0) return canonicalIp(bare);
  const dns = bare.toLowerCase().replace(/\.$/, '');
  if (dns.length === 0 || dns.length > 253 || !DNS_NAME.test(dns)) {
    throw new TrustError(
      TrustErrorCode.HostnameInvalid,
      `"${name}" is neither a DNS name nor an IP address; give a hostname such as tunnel.example.com or an address such as 192.0.2.10`,
      { hostname: name },
    );
  }
  return dns;
}

/** The default loopback names plus the requested ones, normalised and without repeats. */
export function serverCertificateNames(hostnames: readonly string[] = []): string[] {
  return [...new Set([...DEFAULT_SERVER_NAMES, ...hostnames].map(normalizeHostname))];
}

interface Issuer {
  cert: Forge.pki.Certificate;
  key: Forge.pki.rsa.PrivateKey;
}

interface IssueRequest {
  keyBits: number | undefined;
  subject: Forge.pki.CertificateField[];
  /** Absent for a self-signed certificate. */
  issuer: Issuer | undefined;
  extensions: object[];
  validity: ValidityOptions;
  defaultDays: number;
}

/** The steps every certificate shares: a fresh key, serial, window, names, extensions, SHA-256 signature. */
async function issue(forge: NodeForge, request: IssueRequest): Promise<CertificateAndKey> {
  const keys = await generateRsaKeys(forge, request.keyBits ?? 2048);
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = randomSerial();
  const { notBefore, notAfter } = validityWindow(request.validity, request.defaultDays);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject(request.subject);
  cert.setIssuer(request.issuer ? request.issuer.cert.subject.attributes : request.subject);
  const authority = request.issuer ? [authorityKeyIdentifier(request.issuer.cert)] : [];
  cert.setExtensions([...request.extensions, { name: 'subjectKeyIdentifier' }, ...authority]);
  cert.sign(request.issuer ? request.issuer.key : keys.privateKey, forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert), privateKeyPem: keys.privateKeyPem };
}

/** A root CA for development (or, given `issuer`, an intermediate): CA:true, keyCertSign, ~10 years. */
export async function createDevCa(options: CreateDevCaOptions = {}): Promise<CertificateAndKey> {
  const forge = loadForge();
  // DER order is broad to specific (O before CN), as in every public CA; printed most specific first.
  const subject: Forge.pki.CertificateField[] = [
    ...(options.organization ? [{ name: 'organizationName', value: options.organization }] : []),
    { name: 'commonName', value: options.commonName ?? DEV_CA_COMMON_NAME },
  ];
  return issue(forge, {
    keyBits: options.keyBits,
    subject,
    issuer: options.issuer ? parseIssuer(forge, options.issuer) : undefined,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
    validity: options,
    defaultDays: DEV_CA_VALIDITY_DAYS,
  });
}

/** Lets verifiers pick the right CA when several share a name (a regenerated development CA). */
function authorityKeyIdentifier(issuer: Forge.pki.Certificate): { name: string; keyIdentifier: string } {
  return { name: 'authorityKeyIdentifier', keyIdentifier: issuer.generateSubjectKeyIdentifier().getBytes() };
}

function parseIssuer(forge: NodeForge, ca: CertificateAndKey): Issuer {
  try {
    return { cert: forge.pki.certificateFromPem(ca.certificatePem), key: forge.pki.privateKeyFromPem(ca.privateKeyPem) };
  } catch (err) {
    throw new TrustError(
      TrustErrorCode.PemInvalid,
      `the signing CA must be an RSA certificate and its RSA private key in PEM (${(err as Error).message})`,
      {},
      { cause: err },
    );
  }
}

/**
 * A TLS server certificate signed by `ca`: SANs for the loopback names and the requested ones,
 * EKU serverAuth, ~2 years by default.
 */
export async function createServerCertificate(
  ca: CertificateAndKey,
  options: CreateServerCertificateOptions = {},
): Promise<CertificateAndKey> {
  const forge = loadForge();
  const issuer = parseIssuer(forge, ca);
  const names = serverCertificateNames(options.hostnames);
  const extra = (options.hostnames ?? []).map(normalizeHostname);
  return issue(forge, {
    keyBits: options.keyBits,
    subject: [{ name: 'commonName', value: options.commonName ?? extra[0] ?? 'localhost' }],
    issuer,
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: options.clientAuth === true },
      {
        name: 'subjectAltName',
        altNames: names.map((name) => (net.isIP(name) !== 0 ? { type: 7, ip: name } : { type: 2, value: name })),
      },
    ],
    validity: options,
    defaultDays: SERVER_CERT_VALIDITY_DAYS,
  });
}
