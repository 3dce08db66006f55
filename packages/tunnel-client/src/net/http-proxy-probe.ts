import type { ProxySpec } from './proxy-url.js';
import { readMessage } from './socket-reader.js';
import { connectTcp } from './tcp-connect.js';

const HTTP_PREFIX = Buffer.from('HTTP/');

/**
 * Whether the proxy's address answers an HTTP request, on a connection of its own. An HTTP proxy
 * given as socks5:// never answers the SOCKS greeting (it waits for a request line), so without
 * this the mistake would only ever show as a timeout.
 */
export async function answersHttp(proxy: ProxySpec, timeoutMs: number): Promise<boolean> {
  const socket = await connectTcp({ host: proxy.host, port: proxy.port }, timeoutMs).catch(() => undefined);
  if (!socket) return false;
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  try {
    socket.write('OPTIONS * HTTP/1.0\r\n\r\n');
    const start = await readMessage(socket, (b) => (b.length >= HTTP_PREFIX.length ? HTTP_PREFIX.length : undefined), HTTP_PREFIX.length, () => new Error('no HTTP'));
    return start.equals(HTTP_PREFIX);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    socket.destroy();
  }
}
