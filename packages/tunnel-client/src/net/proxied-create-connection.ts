import net from 'node:net';
import tls from 'node:tls';
import type { CreateConnection } from '../developer/connection-settings.js';
import { dialThroughProxyIfAny } from './dial-through-proxy.js';
import type { ProxyConfig } from './proxy-config.js';

/**
 * The developer CLI's way out: TCP through the configured proxy (or direct when none applies or
 * NO_PROXY says so), then TLS with the options node:http or ws chose. The callback form lets the
 * proxy's handshake finish before TLS starts.
 */
export function proxiedCreateConnection(proxy: ProxyConfig, timeoutMs = 15_000): CreateConnection {
  return (options, oncreate) => {
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 443);
    dialThroughProxyIfAny(host, port, { proxyConfig: proxy, timeoutMs }).then(
      ({ socket }) => {
        const servername = options.servername || (net.isIP(host) ? '' : host);
        oncreate(null, tls.connect({ ...options, socket, servername }));
      },
      (err: Error) => oncreate(err),
    );
    return undefined;
  };
}
