import type net from 'node:net';
import { ProxyError, ProxyErrorCode } from './proxy-errors.js';
import type { ProxySpec } from './proxy-url.js';
import { readMessage } from './socket-reader.js';
import { authority, type TcpTarget } from './tcp-connect.js';

const HEADER_END = Buffer.from('\r\n\r\n');
const HTTP_PREFIX = Buffer.from('HTTP/');
/** Real proxies answer CONNECT in a few hundred bytes; anything this long is not a proxy. */
const MAX_RESPONSE_HEAD = 16 * 1024;

function refusal(status: number, reason: string, proxy: ProxySpec, where: string): ProxyError {
  const answer = `HTTP ${status}${reason ? ` ${reason}` : ''}`;
  const details = { proxy: proxy.display, httpStatus: status };
  // 407 is the standard answer; some proxies (tinyproxy, for one) say 401 to wrong credentials.
  if (status === 407 || status === 401) {
    return proxy.username !== undefined
      ? new ProxyError(ProxyErrorCode.AuthFailed, `the HTTP proxy ${proxy.display} rejected the credentials in the proxy URL (${answer})`, details)
      : new ProxyError(
          ProxyErrorCode.AuthRequired,
          `the HTTP proxy ${proxy.display} requires credentials (${answer}); put them in the proxy URL: http://USER:PASSWORD@HOST:PORT`,
          details,
        );
  }
  if (status === 403) {
    return new ProxyError(ProxyErrorCode.Forbidden, `the HTTP proxy ${proxy.display} does not allow a tunnel to ${where} (${answer})`, details);
  }
  if (status === 500 || status === 502 || status === 503 || status === 504) {
    return new ProxyError(
      ProxyErrorCode.UpstreamFailed,
      `the HTTP proxy ${proxy.display} could not reach ${where} (${answer}): the server is down, or the proxy's network cannot reach it`,
      details,
    );
  }
  return new ProxyError(ProxyErrorCode.Refused, `the HTTP proxy ${proxy.display} refused the tunnel to ${where} (${answer})`, details);
}

/**
 * Asks an HTTP proxy for a CONNECT tunnel to `target` over an open connection to the proxy; on
 * success the socket carries raw bytes to the target. Credentials go as Proxy-Authorization
 * Basic: readable by the proxy, as any proxy password is, and never sent anywhere else.
 */
export async function openHttpConnectTunnel(socket: net.Socket, proxy: ProxySpec, target: TcpTarget): Promise<void> {
  const where = authority(target);
  const lines = [`CONNECT ${where} HTTP/1.1`, `Host: ${where}`];
  if (proxy.username !== undefined) {
    lines.push(`Proxy-Authorization: Basic ${Buffer.from(`${proxy.username}:${proxy.password ?? ''}`, 'utf8').toString('base64')}`);
  }
  socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  const head = await readMessage(
    socket,
    (buffered) => {
      // Something that is not HTTP (a SOCKS server's two-byte refusal) may never send a blank line: judge it now.
      const seen = Math.min(HTTP_PREFIX.length, buffered.length);
      if (!buffered.subarray(0, seen).equals(HTTP_PREFIX.subarray(0, seen))) return buffered.length;
      const end = buffered.indexOf(HEADER_END);
      return end < 0 ? undefined : end + HEADER_END.length;
    },
    MAX_RESPONSE_HEAD,
    (why) => new ProxyError(ProxyErrorCode.Protocol, `the HTTP proxy ${proxy.display} ${why} to CONNECT ${where}`, { proxy: proxy.display }),
  );
  const statusLine = head.toString('latin1').split('\r\n', 1)[0] ?? '';
  const m = /^HTTP\/1\.[01] (\d{3})(?: (.*))?$/.exec(statusLine);
  if (!m) {
    throw new ProxyError(
      ProxyErrorCode.Protocol,
      `${proxy.display} answered CONNECT with ${JSON.stringify(statusLine.slice(0, 60))}, not HTTP: is it an HTTP proxy (a SOCKS proxy wants socks5://)?`,
      { proxy: proxy.display },
    );
  }
  const status = Number(m[1]);
  if (status < 200 || status > 299) throw refusal(status, (m[2] ?? '').trim(), proxy, where);
}
