import net from 'node:net';
import { ProxyError, ProxyErrorCode } from './proxy-errors.js';

export type ProxyProtocol = 'http' | 'socks5';

/** A parsed proxy URL. */
export interface ProxySpec {
  protocol: ProxyProtocol;
  /** Host name or IP address (IPv6 without brackets). */
  host: string;
  port: number;
  username?: string;
  password?: string;
  /** The URL with the password masked: safe for logs and diagnose output. */
  display: string;
}

const DEFAULT_PORTS: Record<ProxyProtocol, number> = { http: 80, socks5: 1080 };

/** RFC 1929 carries each of user name and password in at most 255 bytes. */
const SOCKS_CREDENTIAL_MAX_BYTES = 255;

function invalid(source: string, text: string, why: string): ProxyError {
  return new ProxyError(ProxyErrorCode.UrlInvalid, `${source} "${maskPassword(text)}" is not a usable proxy URL: ${why}`);
}

/** Masks the password of a URL-ish string before it goes into an error message. */
function maskPassword(text: string): string {
  return text.replace(/^([a-z0-9+.-]+:\/\/[^:@/]*:)[^@/]*@/i, '$1***@');
}

function schemeOf(text: string, source: string): { protocol: ProxyProtocol; rest: string } {
  const m = /^([a-z][a-z0-9+.-]*):\/\//i.exec(text);
  // curl and most tools read a bare "host:port" as an HTTP proxy; devices are configured that way too.
  if (!m) return { protocol: 'http', rest: text };
  const scheme = m[1]!.toLowerCase();
  const rest = text.slice(m[0].length);
  if (scheme === 'http') return { protocol: 'http', rest };
  // socks5h means "let the proxy resolve names"; we always do, so both spellings mean the same.
  if (scheme === 'socks5' || scheme === 'socks5h') return { protocol: 'socks5', rest };
  if (scheme === 'https') {
    throw invalid(source, text, 'TLS to the proxy itself is not supported; use http:// (the CONNECT tunnel still carries TLS end to end)');
  }
  if (scheme === 'socks4' || scheme === 'socks4a') throw invalid(source, text, 'SOCKS4 is not supported; use socks5://');
  throw invalid(source, text, `unknown scheme "${scheme}"; use http://HOST:PORT or socks5://HOST:PORT`);
}

function decode(part: string, what: string, source: string, text: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw invalid(source, text, `the ${what} is not valid percent-encoding`);
  }
}

/**
 * Parses `http://[user:pass@]host[:port]`, `socks5://[user:pass@]host[:port]` (or socks5h://),
 * or a bare `host:port` (HTTP). Credentials are percent-decoded, as in any URL.
 * @param source what the value came from (`--proxy`, `HTTPS_PROXY`), named in errors
 */
export function parseProxyUrl(text: string, source = 'proxy URL'): ProxySpec {
  const trimmed = text.trim();
  if (trimmed === '') throw invalid(source, text, 'it is empty');
  const { protocol, rest } = schemeOf(trimmed, source);
  let url: URL;
  try {
    // A special scheme gives WHATWG URL parsing of host, port and credentials, IPv6 included.
    url = new URL(`http://${rest}`);
  } catch {
    throw invalid(source, text, 'expected http://[user:password@]HOST:PORT or socks5://[user:password@]HOST:PORT');
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw invalid(source, text, 'a proxy URL has no path, query or fragment');
  }
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  if (host === '') throw invalid(source, text, 'it has no host');
  // URL drops a port equal to http's default 80; an explicit one is kept either way.
  const explicitPort = /:(\d+)$/.exec(url.host)?.[1];
  const port = explicitPort !== undefined ? Number(explicitPort) : DEFAULT_PORTS[protocol];
  if (port < 1 || port > 65535) throw invalid(source, text, `port ${port} is out of range`);
  const spec: ProxySpec = { protocol, host, port, display: '' };
  if (url.username !== '' || url.password !== '') {
    spec.username = decode(url.username, 'user name', source, text);
    spec.password = decode(url.password, 'password', source, text);
    if (
      protocol === 'socks5' &&
      (Buffer.byteLength(spec.username) > SOCKS_CREDENTIAL_MAX_BYTES || Buffer.byteLength(spec.password) > SOCKS_CREDENTIAL_MAX_BYTES)
    ) {
      throw invalid(source, text, `SOCKS5 user names and passwords are at most ${SOCKS_CREDENTIAL_MAX_BYTES} bytes`);
    }
  }
  spec.display = displayProxy(spec);
  return spec;
}

/** `socks5://alice:***@proxy.lan:1080`: what logs and messages may show. */
export function displayProxy(spec: Omit<ProxySpec, 'display'>): string {
  const host = net.isIPv6(spec.host) ? `[${spec.host}]` : spec.host;
  const user = spec.username !== undefined ? `${encodeURIComponent(spec.username)}${spec.password ? ':***' : ''}@` : '';
  return `${spec.protocol}://${user}${host}:${spec.port}`;
}
