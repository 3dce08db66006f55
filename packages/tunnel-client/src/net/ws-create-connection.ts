import net from 'node:net';
import tls from 'node:tls';
import type { ClientOptions } from 'ws';

/**
 * The `createConnection` option for a `ws` client whose TCP leg is already dialled (directly or
 * through a proxy, by dialThroughProxyIfAny): ws builds its TLS socket synchronously, so the
 * asynchronous part has to come first. SNI follows ws's own rule: names only, never addresses.
 */
export function wsCreateConnectionOver(socket: net.Socket, secureContext?: tls.SecureContext): ClientOptions['createConnection'] {
  const connect = (options: tls.ConnectionOptions): tls.TLSSocket => {
    const host = options.host ?? '';
    // A prepared context wins over the `ca` list ws passes along (tls.connect uses one or the other).
    const context = secureContext === undefined ? {} : { secureContext };
    return tls.connect({ ...options, ...context, path: undefined, socket, servername: options.servername || (net.isIP(host) ? '' : host) });
  };
  // ws types the option as net.createConnection, but hands it TLS options and takes a TLSSocket back.
  return connect as unknown as ClientOptions['createConnection'];
}
