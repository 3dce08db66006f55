import { CodedError } from '@tunnel/protocol/errors';
import type { YamuxConfig } from '@tunnel/protocol/yamux';
import { ClusterLinkErrorCode } from './cluster-errors.js';
import { ClusterRelay, type ClusterRelayDeps } from './cluster-relay.js';

/** The server settings the links between nodes are made from. */
export interface RelayConfig {
  nodeId: string;
  dataDir: string;
  presenceUrl?: string;
  /** --cluster-listen: no relaying between nodes when absent. */
  clusterListen?: string;
  /** --cluster-advertise: what the other nodes dial, when clusterListen binds every interface. */
  clusterAdvertise?: string;
  yamux: Partial<YamuxConfig>;
}

/**
 * The links to the other nodes, with --cluster-listen (which needs the cluster's shared presence,
 * where nodes find each other); undefined without it. `ttlMs`: how long a dead node's address stays.
 */
export async function startConfiguredRelay(config: RelayConfig, deps: ClusterRelayDeps, ttlMs: number): Promise<ClusterRelay | undefined> {
  const { clusterListen: listen, clusterAdvertise: advertise, presenceUrl } = config;
  if (listen === undefined) {
    if (advertise !== undefined) throw new CodedError(ClusterLinkErrorCode.Settings, '--cluster-advertise needs --cluster-listen, the link listener it names');
    return undefined;
  }
  if (presenceUrl === undefined) {
    throw new CodedError(ClusterLinkErrorCode.Settings, '--cluster-listen needs --presence redis://...: nodes find each other and the devices they hold there');
  }
  return ClusterRelay.start({ nodeId: config.nodeId, dataDir: config.dataDir, presenceUrl, listen, advertise, ttlMs, yamux: config.yamux }, deps);
}
