import net from 'node:net';
import tls from 'node:tls';

/**
 * The SNI to send for `host`: the name itself, never an IP address (RFC 6066 forbids literal
 * addresses in server_name, and Node warns about them). Every TLS connection this package makes
 * to the server takes its servername from here.
 */
export function serverNameFor(host: string): string {
  return net.isIP(host) ? '' : host;
}

/**
 * TLS over a TCP leg that is already connected (directly or through a proxy). `options` are
 * what node:http or ws chose; a prepared context wins over their `ca` list (tls.connect uses one
 * or the other).
 */
export function tlsOver(socket: net.Socket, host: string, options: tls.ConnectionOptions = {}): tls.TLSSocket {
  return tls.connect({ ...options, path: undefined, socket, servername: options.servername || serverNameFor(host) });
}
