import type { DeviceConfig } from './device-config.js';

/** One server (node or balancer) the agent may dial. */
export interface ServerEndpoint {
  host: string;
  port: number;
}

/**
 * Reads a list of `host[:port]` entries (`[v6]:port` for IPv6 addresses), separated by commas,
 * semicolons or spaces; an entry without a port takes `defaultPort`. Returns undefined for an
 * entry it cannot read, so the caller names the key in its complaint.
 */
export function parseServerEndpoints(text: string, defaultPort: number): ServerEndpoint[] | undefined {
  const endpoints: ServerEndpoint[] = [];
  for (const entry of text.split(/[,;\s]+/).filter(Boolean)) {
    const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\[\]]+))(?::(\d{1,5}))?$/.exec(entry);
    const port = m?.[3] === undefined ? defaultPort : Number(m[3]);
    const host = m?.[1] ?? m?.[2];
    if (host === undefined || port < 1 || port > 65535) return undefined;
    endpoints.push({ host, port });
  }
  return endpoints.length > 0 ? endpoints : undefined;
}

/** The HTTPS API base of a server when apiEndpoint does not name one. */
export function defaultApiEndpoint(endpoint: ServerEndpoint): string {
  const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
  return `https://${host}:${endpoint.port}`;
}

/**
 * Where heartbeats may go, in order: the apiEndpoint the config names, or, when it is the default
 * one of the first server, each server's own, so heartbeats fail over along with the tunnel.
 */
export function apiEndpointsOf(config: DeviceConfig): string[] {
  const [first] = config.vpnEndpoints;
  if (first === undefined || config.apiEndpoint !== defaultApiEndpoint(first)) return [config.apiEndpoint];
  return config.vpnEndpoints.map(defaultApiEndpoint);
}

/** The config as the dialer, diagnosis and logs see it while the agent tries `endpoint`. */
export function configFor(config: DeviceConfig, endpoint: ServerEndpoint): DeviceConfig {
  return { ...config, vpnEndpoint: endpoint.host, vpnPort: endpoint.port };
}
