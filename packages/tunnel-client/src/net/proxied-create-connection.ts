import type { Duplex } from 'node:stream';
import type tls from 'node:tls';
import { dialThroughProxyIfAny } from './dial-through-proxy.js';
import type { ProxyConfig } from './proxy-config.js';
import { tlsOver } from './tls-over.js';

/** node:http's `createConnection` in its callback form, which may answer after the proxy said yes. */
export type CreateConnection = (options: tls.ConnectionOptions, oncreate: (err: Error | null, socket?: Duplex) => void) => Duplex | undefined;

/**
 * The developer CLI's way out for HTTPS requests: TCP through the configured proxy (or direct
 * when none applies or NO_PROXY says so), then TLS with the options node:http chose.
 */
export function proxiedCreateConnection(proxy: ProxyConfig, timeoutMs = 15_000): CreateConnection {
  return (options, oncreate) => {
    const host = options.host ?? 'localhost';
    const port = Number(options.port ?? 443);
    dialThroughProxyIfAny(host, port, { proxyConfig: proxy, timeoutMs }).then(
      ({ socket }) => oncreate(null, tlsOver(socket, host, options)),
      (err: Error) => oncreate(err),
    );
    return undefined;
  };
}
