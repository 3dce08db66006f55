import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * An HTTP error answer written straight to a socket, for the requests Node hands over raw
 * (WebSocket upgrades, CONNECT). Same JSON body as sendError, so clients parse one shape.
 */
export function writeRawError(socket: Duplex, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (socket.destroyed || !socket.writable) return;
  const body = JSON.stringify({ error: { code, message } });
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
