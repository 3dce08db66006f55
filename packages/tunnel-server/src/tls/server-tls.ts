import { readFileSync } from 'node:fs';
import { ensureDevPki } from '@tunnel/protocol/dev-pki';
import { CodedError } from '@tunnel/protocol/errors';
import { ServerTlsErrorCode } from './tls-errors.js';

export interface ServerTls {
  key: string;
  cert: string;
  /** Where the certificate came from, for the startup log. */
  source: 'files' | 'development-ca';
}

function readPem(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CodedError(ServerTlsErrorCode.FileUnreadable, `cannot read the ${what} ${file}: ${(err as Error).message}`, { cause: err });
  }
}

/** The listener's certificate: the operator's files, or the development CA's in the data directory. */
export async function loadServerTls(settings: { dataDir: string; certFile?: string; keyFile?: string; hostnames: string[] }): Promise<ServerTls> {
  if (settings.certFile && settings.keyFile) {
    return { cert: readPem(settings.certFile, 'certificate'), key: readPem(settings.keyFile, 'private key'), source: 'files' };
  }
  const pki = await ensureDevPki(settings.dataDir, { hostnames: settings.hostnames });
  return { cert: pki.certificatePem, key: pki.privateKeyPem, source: 'development-ca' };
}
