import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { createServerCertificate, DEV_PKI_FILES } from '@tunnel/protocol/dev-pki';
import { CodedError } from '@tunnel/protocol/errors';
import { ClusterLinkErrorCode } from './cluster-errors.js';

/** The subject of a link certificate names its node after this prefix. */
const LINK_SUBJECT_PREFIX = 'tunnel-cluster-node:';

/** What both ends of a link present and trust. */
export interface LinkTls {
  /** The cluster CA: the only issuer a link peer may have. */
  ca: string;
  cert: string;
  key: string;
}

/**
 * A certificate for this node's links, issued at start by the cluster CA (ca.pem and ca.key, which
 * every node holds, see cluster-trust.ts) and kept in memory only. A peer is accepted only if its
 * certificate chains to that CA and is a link certificate: proof that it holds the CA key too. The
 * public listener's certificate (serverAuth only, no node name) cannot pass for one.
 */
export async function issueLinkTls(dataDir: string, nodeId: string): Promise<LinkTls> {
  const [ca, caKey] = await Promise.all([readFile(join(dataDir, DEV_PKI_FILES.caCert), 'utf8'), readFile(join(dataDir, DEV_PKI_FILES.caKey), 'utf8')]);
  const issued = await createServerCertificate({ certificatePem: ca, privateKeyPem: caKey }, { commonName: `${LINK_SUBJECT_PREFIX}${nodeId}`, clientAuth: true });
  return { ca, cert: issued.certificatePem, key: issued.privateKeyPem };
}

/** The node a verified link peer is, from its certificate; throws when it is not a link certificate. */
export function linkPeerNodeId(socket: TLSSocket): string {
  const subject = socket.getPeerCertificate().subject as Record<string, string | string[]> | undefined;
  const cn = subject?.['CN'];
  if (typeof cn !== 'string' || !cn.startsWith(LINK_SUBJECT_PREFIX)) {
    throw new CodedError(ClusterLinkErrorCode.WrongPeer, `the peer's certificate (CN ${JSON.stringify(cn)}) is not a cluster link certificate`);
  }
  return cn.slice(LINK_SUBJECT_PREFIX.length);
}
