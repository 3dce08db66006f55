import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { DEV_PKI_FILES } from '@tunnel/protocol/dev-pki';
import { CodedError } from '@tunnel/protocol/errors';
import { loadServerIdentity, type ServerIdentity } from '@tunnel/protocol/trust';
import { DataDirErrorCode } from './data-dir-errors.js';

/**
 * Where a system install keeps the registry, identity key and development CA: the systemd unit's
 * StateDirectory, so admin commands run on the server find what the service uses without --data.
 */
export const DEFAULT_DATA_DIR = '/var/lib/tunnel-server';

function remedy(dataDir: string): string {
  return `pass the server's data directory with --data or TUNNEL_DATA, or create one with tunnel-server init --data ${dataDir}`;
}

/**
 * The server's identity key, which must already exist: admin commands never create one, since a
 * device config pinned to a key the running server does not hold can never connect.
 */
export async function requireServerIdentity(dataDir: string): Promise<ServerIdentity> {
  const identity = await loadServerIdentity(dataDir);
  if (!identity) throw new CodedError(DataDirErrorCode.IdentityMissing, `no server identity key in ${path.resolve(dataDir)}: ${remedy(dataDir)}`);
  return identity;
}

/** The development CA certificate, or undefined when this data directory has none. */
export async function readDevCaCertificate(dataDir: string): Promise<string | undefined> {
  try {
    return await readFile(path.join(dataDir, DEV_PKI_FILES.caCert), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Like readDevCaCertificate, for commands whose whole point is the CA. */
export async function requireDevCaCertificate(dataDir: string): Promise<string> {
  const pem = await readDevCaCertificate(dataDir);
  if (pem === undefined) {
    throw new CodedError(
      DataDirErrorCode.CaMissing,
      `no development CA in ${path.resolve(dataDir)} (${DEV_PKI_FILES.caCert}): a server started with --cert/--key has none, and developers trust that certificate's issuer instead; otherwise ${remedy(dataDir)}`,
    );
  }
  return pem;
}
