import type { Socket } from 'node:net';
import type { ProxyAddress } from './proxy-header.js';

interface PeerNameOut {
  address?: string;
  port?: number;
  family?: string;
}

/**
 * Makes a TCP socket report the client a PROXY header named instead of the load balancer. The TLS
 * socket Node wraps around it, and with it every HTTP request and WebSocket, asks the TCP handle
 * for its peer, not this socket object: answering at the handle is the one place every layer sees.
 */
export function presentClientAddress(socket: Socket, client: ProxyAddress): void {
  for (const [name, value] of [['remoteAddress', client.address], ['remotePort', client.port], ['remoteFamily', client.family]] as const) {
    Object.defineProperty(socket, name, { value, configurable: true });
  }
  const handle = (socket as unknown as { _handle?: { getpeername?: (out: PeerNameOut) => number } })._handle;
  if (!handle) return;
  handle.getpeername = (out) => {
    out.address = client.address;
    out.port = client.port;
    out.family = client.family;
    return 0;
  };
}
