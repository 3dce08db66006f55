import { inspectServerChain, type ServerChainInspection } from '@tunnel/protocol/trust';
import { dialThroughProxyIfAny } from '../net/dial-through-proxy.js';
import type { ProxyConfig } from '../net/proxy-config.js';

export interface PresentedChainOptions {
  proxy: ProxyConfig;
  timeoutMs: number;
  /** Anchors for node's own verdict (`authorized`); the chain is read whatever it says. */
  ca?: readonly string[];
}

/**
 * The certificate chain the network presents for host:port, read by a handshake that accepts
 * anything and sends nothing, over the same route (direct or through the same proxy) as the real
 * connection: a TLS-inspecting box may sit only on one of them.
 */
export async function readPresentedChain(host: string, port: number, options: PresentedChainOptions): Promise<ServerChainInspection> {
  const { socket } = await dialThroughProxyIfAny(host, port, { proxyConfig: options.proxy, timeoutMs: options.timeoutMs });
  return inspectServerChain(host, port, { socket, timeoutMs: options.timeoutMs, ...(options.ca ? { ca: options.ca } : {}) });
}
