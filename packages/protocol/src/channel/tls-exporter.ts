import type { TLSSocket } from 'node:tls';

/**
 * The connection's tls-exporter channel binding (RFC 9266): 32 bytes both ends of one TLS
 * connection compute alike, and two different TLS connections (a box that terminates the device's
 * TLS and opens its own to the server) never share. Base64url, as the handshake carries it.
 */
export function tlsExporter(socket: TLSSocket): string {
  return socket.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)).toString('base64url');
}
