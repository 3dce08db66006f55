import { createPrivateKey, type KeyObject, type X509Certificate } from 'node:crypto';
import path from 'node:path';
import { summarizeCertificate, toX509 } from './certificate.js';
import {
  createDevCa,
  createServerCertificate,
  serverCertificateNames,
  SERVER_CERT_VALIDITY_DAYS,
  type CertificateAndKey,
} from './dev-pki.js';
import { TrustError, TrustErrorCode } from './errors.js';
import { ensureDirectory, PRIVATE_FILE_MODE, PUBLIC_FILE_MODE, readOptional, restrictToOwner, writeFileAtomic } from './files.js';

export const DEV_PKI_FILES = {
  caCert: 'ca.pem',
  caKey: 'ca.key',
  serverCert: 'server.pem',
  serverKey: 'server.key',
} as const;

export interface EnsureDevPkiOptions {
  /** DNS names and IPs the server certificate must cover besides localhost, 127.0.0.1 and ::1. */
  hostnames?: readonly string[];
  /** Clock for the renewal decision (tests move it). */
  now?: Date;
  /** Validity of a newly generated server certificate. */
  serverValidityDays?: number;
  /** Renew the server certificate when it ends within this many days, so it never lapses in service. */
  renewWithinDays?: number;
}

export type ServerCertificateState = 'created' | 'reused' | 'renewed';

export interface DevPki {
  dir: string;
  paths: { caCert: string; caKey: string; serverCert: string; serverKey: string };
  /** What developers' machines and device configs trust (`tunnel-server ca`). */
  caCertificatePem: string;
  /** For the HTTPS/WSS listener. */
  certificatePem: string;
  privateKeyPem: string;
  caCreated: boolean;
  server: ServerCertificateState;
  /** Why the server certificate was generated this time; absent when reused. */
  serverReason?: string;
  /** The names the server certificate in use covers. */
  names: string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const DEFAULT_RENEW_WITHIN_DAYS = 30;

function corrupt(file: string, what: string, err: unknown, remedy: string): TrustError {
  return new TrustError(
    TrustErrorCode.PemInvalid,
    `${file} is not ${what} (${(err as Error).message}); ${remedy}`,
    { path: file },
    { cause: err },
  );
}

function parsePrivateKey(pem: string, file: string, remedy: string): KeyObject {
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw corrupt(file, 'a PEM private key', err, remedy);
  }
}

interface LoadedCa extends CertificateAndKey {
  x509: X509Certificate;
}

/**
 * Loads the CA, or creates it when neither file exists. Half a CA is an error, not a reason to
 * make a new one: devices already trust the old CA, and a silent replacement cuts them all off.
 */
async function loadOrCreateCa(paths: DevPki['paths']): Promise<{ ca: LoadedCa; created: boolean }> {
  const [certificatePem, privateKeyPem] = await Promise.all([readOptional(paths.caCert), readOptional(paths.caKey)]);
  if (certificatePem === undefined && privateKeyPem === undefined) {
    const ca = await createDevCa();
    await writeFileAtomic(paths.caKey, ca.privateKeyPem, PRIVATE_FILE_MODE);
    await writeFileAtomic(paths.caCert, ca.certificatePem, PUBLIC_FILE_MODE);
    return { ca: { ...ca, x509: toX509(ca.certificatePem) }, created: true };
  }
  if (certificatePem === undefined || privateKeyPem === undefined) {
    const [present, missing] = certificatePem === undefined ? [paths.caKey, paths.caCert] : [paths.caCert, paths.caKey];
    throw new TrustError(
      TrustErrorCode.PkiIncomplete,
      `${present} exists but ${missing} does not; restore ${missing} from a backup, or delete ${present} to create a new CA ` +
        '(every device and developer machine must then be given the new CA)',
      { path: missing },
    );
  }
  const remedy = `restore it from a backup, or delete ${paths.caCert} and ${paths.caKey} to create a new CA (every device must then be given the new CA)`;
  let x509: X509Certificate;
  try {
    x509 = toX509(certificatePem, paths.caCert);
  } catch (err) {
    throw corrupt(paths.caCert, 'a PEM certificate', err, remedy);
  }
  const key = parsePrivateKey(privateKeyPem, paths.caKey, remedy);
  if (!x509.checkPrivateKey(key)) {
    throw new TrustError(
      TrustErrorCode.KeyMismatch,
      `${paths.caKey} is not the private key of ${paths.caCert}; restore the matching pair from a backup, or delete both to create a new CA`,
      { path: paths.caKey },
    );
  }
  await restrictToOwner(paths.caKey);
  return { ca: { certificatePem, privateKeyPem, x509 }, created: false };
}

/**
 * Why the stored server certificate cannot serve as is, or undefined when it can. A damaged
 * server certificate is simply replaced: unlike the CA, nothing outside the data dir depends on it.
 */
function serverRenewalReason(
  certificatePem: string | undefined,
  privateKeyPem: string | undefined,
  ca: LoadedCa,
  wanted: readonly string[],
  now: Date,
  renewWithinDays: number,
): string | undefined {
  if (certificatePem === undefined || privateKeyPem === undefined) return 'no server certificate yet';
  let x509: X509Certificate;
  let key: KeyObject;
  try {
    x509 = toX509(certificatePem);
    key = createPrivateKey(privateKeyPem);
  } catch (err) {
    return `the stored server certificate or key does not parse (${(err as Error).message})`;
  }
  if (!x509.checkPrivateKey(key)) return 'server.key does not match server.pem';
  if (!x509.checkIssued(ca.x509) || !x509.verify(ca.x509.publicKey)) return 'server.pem was not signed by the current CA';
  const summary = summarizeCertificate(x509);
  const have = new Set([...summary.dnsNames.map((n) => n.toLowerCase()), ...summary.ipAddresses]);
  const missing = wanted.filter((name) => !have.has(name));
  if (missing.length > 0) return `server.pem does not cover ${missing.join(', ')}`;
  if (now.getTime() < summary.notBefore.getTime()) return 'server.pem is not valid yet by this machine\'s clock';
  if (now.getTime() > summary.notAfter.getTime() - renewWithinDays * DAY_MS) return `server.pem expires ${summary.notAfter.toISOString()}`;
  return undefined;
}

/**
 * The development PKI in `dir`: a CA and a server certificate it signed, created on first call
 * and reused afterwards. The server certificate is regenerated (same CA) when it lacks a
 * requested name, is near its end, or no longer matches the CA or its key.
 */
export async function ensureDevPki(dir: string, options: EnsureDevPkiOptions = {}): Promise<DevPki> {
  const resolved = path.resolve(dir);
  const paths: DevPki['paths'] = {
    caCert: path.join(resolved, DEV_PKI_FILES.caCert),
    caKey: path.join(resolved, DEV_PKI_FILES.caKey),
    serverCert: path.join(resolved, DEV_PKI_FILES.serverCert),
    serverKey: path.join(resolved, DEV_PKI_FILES.serverKey),
  };
  await ensureDirectory(resolved);
  const { ca, created: caCreated } = await loadOrCreateCa(paths);

  const wanted = serverCertificateNames(options.hostnames);
  const now = options.now ?? new Date();
  const [storedCert, storedKey] = await Promise.all([readOptional(paths.serverCert), readOptional(paths.serverKey)]);
  const reason = caCreated
    ? 'a new CA was created'
    : serverRenewalReason(storedCert, storedKey, ca, wanted, now, options.renewWithinDays ?? DEFAULT_RENEW_WITHIN_DAYS);

  const base = { dir: resolved, paths, caCertificatePem: ca.certificatePem, caCreated };
  if (reason === undefined && storedCert !== undefined && storedKey !== undefined) {
    await restrictToOwner(paths.serverKey);
    const summary = summarizeCertificate(storedCert);
    return { ...base, certificatePem: storedCert, privateKeyPem: storedKey, server: 'reused', names: [...summary.dnsNames, ...summary.ipAddresses] };
  }

  const server = await createServerCertificate(ca, {
    hostnames: options.hostnames ?? [],
    now,
    validityDays: options.serverValidityDays ?? SERVER_CERT_VALIDITY_DAYS,
  });
  // Key first: a crash between the two writes then leaves a mismatch, which the next start repairs.
  await writeFileAtomic(paths.serverKey, server.privateKeyPem, PRIVATE_FILE_MODE);
  await writeFileAtomic(paths.serverCert, server.certificatePem, PUBLIC_FILE_MODE);
  return {
    ...base,
    certificatePem: server.certificatePem,
    privateKeyPem: server.privateKeyPem,
    server: storedCert === undefined && storedKey === undefined ? 'created' : 'renewed',
    serverReason: reason ?? 'no server certificate yet',
    names: wanted,
  };
}
