import net from 'node:net';
import { answersHttp } from './http-proxy-probe.js';
import { ProxyError, ProxyErrorCode } from './proxy-errors.js';
import type { ProxySpec } from './proxy-url.js';
import { readMessage } from './socket-reader.js';
import { authority, type TcpTarget } from './tcp-connect.js';

// RFC 1928 (SOCKS5) and RFC 1929 (username/password authentication).
const VERSION = 0x05;
const AUTH_VERSION = 0x01;
const METHOD_NONE = 0x00;
const METHOD_USERPASS = 0x02;
const METHOD_NO_ACCEPTABLE = 0xff;
const CMD_CONNECT = 0x01;
const ATYP_IPV4 = 0x01;
const ATYP_DOMAIN = 0x03;
const ATYP_IPV6 = 0x04;
const MAX_REPLY = 4 + 1 + 255 + 2;
/** A SOCKS server answers its greeting at once; this much silence makes us ask whether it speaks HTTP instead. */
const SILENCE_BEFORE_PROBE_MS = 1_000;
const PROBE_TIMEOUT_MS = 3_000;

/** RFC 1928 section 6 reply codes, in words, with the code a caller can act on. */
const REPLIES: Record<number, [ProxyErrorCode, string]> = {
  0x01: [ProxyErrorCode.Refused, 'general SOCKS server failure'],
  0x02: [ProxyErrorCode.Forbidden, "connection not allowed by the proxy's rules"],
  0x03: [ProxyErrorCode.UpstreamFailed, 'network unreachable from the proxy'],
  0x04: [ProxyErrorCode.UpstreamFailed, 'host unreachable from the proxy'],
  0x05: [ProxyErrorCode.UpstreamFailed, 'connection refused by the destination'],
  0x06: [ProxyErrorCode.UpstreamFailed, 'TTL expired: the destination did not answer in time'],
  0x07: [ProxyErrorCode.Refused, 'command not supported by the proxy'],
  0x08: [ProxyErrorCode.Refused, 'address type not supported by the proxy'],
};

function ipv6Bytes(address: string): Buffer {
  let text = address.replace(/%.*$/, '');
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const front = head === '' ? [] : head.split(':');
  const back = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? front : [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  const bytes = Buffer.alloc(16);
  groups.forEach((g, i) => bytes.writeUInt16BE(parseInt(g, 16), i * 2));
  return bytes;
}

/** DST.ADDR: names go to the proxy as names, so the proxy resolves them (remote DNS). */
function destination(target: TcpTarget, proxy: ProxySpec): Buffer {
  const family = net.isIP(target.host);
  if (family === 4) return Buffer.from([ATYP_IPV4, ...target.host.split('.').map(Number)]);
  if (family === 6) return Buffer.concat([Buffer.from([ATYP_IPV6]), ipv6Bytes(target.host)]);
  const name = Buffer.from(target.host, 'utf8');
  if (name.length > 255) {
    throw new ProxyError(ProxyErrorCode.Refused, `host name ${target.host} is too long for SOCKS5 (255 bytes at most)`, { proxy: proxy.display });
  }
  return Buffer.concat([Buffer.from([ATYP_DOMAIN, name.length]), name]);
}

function replyLength(buffered: Buffer): number | undefined {
  if (buffered.length < 5) return undefined;
  switch (buffered[3]) {
    case ATYP_IPV4:
      return 4 + 4 + 2;
    case ATYP_IPV6:
      return 4 + 16 + 2;
    case ATYP_DOMAIN:
      return 4 + 1 + buffered[4]! + 2;
    default:
      // Not a valid reply; stop here and let the caller say so.
      return 5;
  }
}

/**
 * The proxy's answer to the greeting, or a protocol error as soon as a silent proxy turns out to
 * answer HTTP: a plain wait would end in a timeout that names nothing.
 */
async function greetingAnswer(answer: Promise<Buffer>, proxy: ProxySpec, mismatch: (why: string) => ProxyError): Promise<Buffer> {
  let timer: NodeJS.Timeout | undefined;
  const speaksHttp = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      void answersHttp(proxy, PROBE_TIMEOUT_MS).then((http) => {
        if (http) reject(mismatch(`answers HTTP, not SOCKS5: it is an HTTP proxy, so use http://${authority(proxy)}`));
      });
    }, SILENCE_BEFORE_PROBE_MS);
  });
  try {
    return await Promise.race([answer, speaksHttp]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Asks a SOCKS5 proxy to connect to `target` over an open connection to the proxy, with
 * username/password authentication when the proxy URL carries credentials. On success the
 * socket carries raw bytes to the target.
 */
export async function openSocks5Tunnel(socket: net.Socket, proxy: ProxySpec, target: TcpTarget): Promise<void> {
  const where = authority(target);
  const protocolError = (why: string): ProxyError =>
    new ProxyError(ProxyErrorCode.Protocol, `the SOCKS5 proxy ${proxy.display} ${why}`, { proxy: proxy.display });
  const read = (length: number | ((b: Buffer) => number | undefined)): Promise<Buffer> =>
    readMessage(socket, typeof length === 'number' ? (b) => (b.length >= length ? length : undefined) : length, MAX_REPLY, protocolError);

  const withCredentials = proxy.username !== undefined;
  socket.write(Buffer.from(withCredentials ? [VERSION, 2, METHOD_NONE, METHOD_USERPASS] : [VERSION, 1, METHOD_NONE]));
  const choice = await greetingAnswer(read(2), proxy, protocolError);
  if (choice[0] !== VERSION) {
    throw protocolError(`answered, but not as a SOCKS5 proxy (first byte 0x${choice[0]!.toString(16)}): is it an HTTP proxy (http://)?`);
  }
  if (choice[1] === METHOD_NO_ACCEPTABLE) {
    throw withCredentials
      ? new ProxyError(ProxyErrorCode.Refused, `the SOCKS5 proxy ${proxy.display} accepts neither no authentication nor username/password`, { proxy: proxy.display })
      : new ProxyError(
          ProxyErrorCode.AuthRequired,
          `the SOCKS5 proxy ${proxy.display} requires authentication; put the credentials in the proxy URL: socks5://USER:PASSWORD@HOST:PORT`,
          { proxy: proxy.display },
        );
  }
  if (choice[1] === METHOD_USERPASS && withCredentials) {
    const user = Buffer.from(proxy.username ?? '', 'utf8');
    const pass = Buffer.from(proxy.password ?? '', 'utf8');
    socket.write(Buffer.concat([Buffer.from([AUTH_VERSION, user.length]), user, Buffer.from([pass.length]), pass]));
    const status = await read(2);
    if (status[1] !== 0x00) {
      throw new ProxyError(ProxyErrorCode.AuthFailed, `the SOCKS5 proxy ${proxy.display} rejected the credentials in the proxy URL`, { proxy: proxy.display });
    }
  } else if (choice[1] !== METHOD_NONE) {
    throw protocolError(`chose authentication method 0x${choice[1]!.toString(16)}, which was not offered`);
  }

  const port = Buffer.alloc(2);
  port.writeUInt16BE(target.port);
  socket.write(Buffer.concat([Buffer.from([VERSION, CMD_CONNECT, 0x00]), destination(target, proxy), port]));
  const reply = await read(replyLength);
  if (reply[0] !== VERSION || ![ATYP_IPV4, ATYP_DOMAIN, ATYP_IPV6].includes(reply[3]!)) throw protocolError('sent a malformed reply to CONNECT');
  const code = reply[1]!;
  if (code === 0x00) return;
  const [errorCode, words] = REPLIES[code] ?? [ProxyErrorCode.Refused, 'unknown SOCKS5 reply'];
  throw new ProxyError(errorCode, `the SOCKS5 proxy ${proxy.display} could not connect to ${where}: ${words} (reply ${code})`, {
    proxy: proxy.display,
    socksReply: code,
  });
}
