import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createServerCertificate, DEV_PKI_FILES, ensureDevPki } from '@tunnel/protocol/dev-pki';
import { isoSeconds } from '@tunnel/protocol/trust';
import type { DeviceHandle } from './fixtures.js';
import { NO_PROXY_ENV } from './network.js';
import { CLIENT_CLI, run, tempDir } from './processes.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * A server name only the test's SOCKS5 proxy resolves (startSocks5Fixture `hosts`), so anything
 * that reaches the server by it went through the proxy. Servers add it with --hostname.
 */
export const PROXY_ONLY_NAME = 'tunnel.corp.test';

/** The dates of the certificate a server in `dataDir` presents. */
export function serverCertificateDates(certFile: string): { notBefore: string; notAfter: string } {
  const cert = new X509Certificate(readFileSync(certFile));
  return { notBefore: isoSeconds(new Date(cert.validFrom)), notAfter: isoSeconds(new Date(cert.validTo)) };
}

export function devCertificateFile(dataDir: string): string {
  return path.join(dataDir, DEV_PKI_FILES.serverCert);
}

/**
 * A server certificate with these dates, signed by the data directory's development CA (so
 * devices added there trust its issuer): for `tunnel-server start --cert --key`.
 */
export async function writeServerCertificate(dataDir: string, dates: { notBefore: Date; notAfter: Date }): Promise<{ certFile: string; keyFile: string }> {
  const pki = await ensureDevPki(dataDir);
  const ca = { certificatePem: pki.caCertificatePem, privateKeyPem: readFileSync(pki.paths.caKey, 'utf8') };
  const issued = await createServerCertificate(ca, dates);
  const dir = tempDir('server-cert-');
  const certFile = path.join(dir, 'server.pem');
  const keyFile = path.join(dir, 'server.key');
  writeFileSync(certFile, issued.certificatePem);
  writeFileSync(keyFile, issued.privateKeyPem, { mode: 0o600 });
  return { certFile, keyFile };
}

/** A server certificate that expired a year ago. */
export function writeExpiredServerCertificate(dataDir: string): Promise<{ certFile: string; keyFile: string }> {
  const now = Date.now();
  return writeServerCertificate(dataDir, { notBefore: new Date(now - 400 * DAY_MS), notAfter: new Date(now - 365 * DAY_MS) });
}

/** A server certificate whose validity starts in two days: issued on a machine with its clock ahead. */
export function writeFutureServerCertificate(dataDir: string): Promise<{ certFile: string; keyFile: string }> {
  const now = Date.now();
  return writeServerCertificate(dataDir, { notBefore: new Date(now + 2 * DAY_MS), notAfter: new Date(now + 365 * DAY_MS) });
}

/** A copy of a device's config.json with some keys changed (another port, balenaRootCA, a wrong key). */
export function configVariant(device: DeviceHandle, overrides: Record<string, unknown>): string {
  const file = path.join(tempDir('tunnel-device-'), 'config.json');
  writeFileSync(file, JSON.stringify({ ...device.config, ...overrides }, null, 2));
  return file;
}

/** `balenaRootCA` exactly as balena devices carry it: base64 of the PEM text. */
export function balenaRootCA(pem: string): string {
  return Buffer.from(pem, 'utf8').toString('base64');
}

/** One element of `tunnel-client diagnose --json`. */
export interface DiagnoseCheck {
  name: string;
  status: 'PASS' | 'WARN' | 'FAIL' | 'SKIP';
  detail: string;
  remedy?: string;
  code?: string;
  durationMs: number;
}

export interface DiagnoseRun {
  code: number | null;
  checks: DiagnoseCheck[];
  check(name: string): DiagnoseCheck;
}

/** Runs `tunnel-client diagnose --json` to completion. */
export async function runDiagnose(configFile: string, options: { args?: string[]; env?: NodeJS.ProcessEnv } = {}): Promise<DiagnoseRun> {
  const { code, stdout, stderr } = await run(CLIENT_CLI, ['diagnose', '--config', configFile, '--json', ...(options.args ?? [])], {
    env: { ...NO_PROXY_ENV, ...options.env },
    timeoutMs: 90_000,
  });
  let checks: DiagnoseCheck[];
  try {
    checks = JSON.parse(stdout) as DiagnoseCheck[];
  } catch {
    throw new Error(`diagnose printed no JSON (exit ${code}):\n${stdout}\n${stderr}`);
  }
  return {
    code,
    checks,
    check: (name) => {
      const found = checks.find((c) => c.name === name);
      if (!found) throw new Error(`diagnose has no check named ${name}: ${JSON.stringify(checks)}`);
      return found;
    },
  };
}
