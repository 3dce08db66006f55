import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterTrustErrorCode } from './tls-errors.js';
import { DEV_PKI_FILES } from '@tunnel/protocol/dev-pki';
import { CodedError } from '@tunnel/protocol/errors';
import {
  loadOrCreateServerIdentity,
  loadServerIdentity,
  SERVER_IDENTITY_FILE,
  type ServerIdentity,
} from '@tunnel/protocol/trust';

/**
 * The identity key of this server. Embedded (no shared registry or presence), it is created in the
 * data directory on first use, as it always was. In a cluster every node must present the same
 * identity and CA, so they are files made once (`tunnel-server init --data DIR`) and copied to every
 * node and admin machine: nothing here creates a second, different identity, or a CA beside it,
 * because a --data path was mistyped.
 */
export async function serverIdentity(dataDir: string, cluster: boolean): Promise<ServerIdentity> {
  if (!cluster) return loadOrCreateServerIdentity(dataDir);
  const missing = [SERVER_IDENTITY_FILE, DEV_PKI_FILES.caCert, DEV_PKI_FILES.caKey].filter((f) => !existsSync(join(dataDir, f)));
  const identity = missing.length === 0 ? await loadServerIdentity(dataDir) : undefined;
  if (identity === undefined) {
    throw new CodedError(
      ClusterTrustErrorCode.Missing,
      `no ${missing.join(', ') || SERVER_IDENTITY_FILE} in ${dataDir}: a cluster node or admin command reads the CA and identity key that ` +
        'every device pins from --data (or TUNNEL_DATA). Create them once with `tunnel-server init --data DIR` and copy DIR to every node ' +
        'and admin machine, or point --data at that copy',
    );
  }
  return identity;
}
