import { readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ProxyError, ProxyErrorCode } from './proxy-errors.js';
import { parseProxyUrl, type ProxySpec } from './proxy-url.js';

/** Where balenaOS keeps its proxy settings (the boot partition's system-proxy folder). */
export const BALENA_SYSTEM_PROXY_DIR = '/mnt/boot/system-proxy';

/** The variable that points at another folder (tests, or a device image that mounts boot elsewhere). */
export const SYSTEM_PROXY_DIR_VARIABLE = 'TUNNEL_SYSTEM_PROXY_DIR';

/** redsocks types that are a tunnel we can open; socks4 and http-relay are not. */
const PROXY_TYPES: Readonly<Record<string, 'http' | 'socks5'>> = { 'http-connect': 'http', socks5: 'socks5' };

/** The file's text, or undefined when it does not exist: balenaOS writes these only when a proxy is configured. */
function readOptional(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new ProxyError(ProxyErrorCode.SystemConfigInvalid, `cannot read ${file}: ${(err as Error).message}`, {}, { cause: err });
  }
}

/** The `key = value;` pairs of the `redsocks { ... }` section; redsocks allows C, C++ and shell comments. */
function redsocksSection(text: string, file: string): Map<string, string> {
  const plain = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(\/\/|#).*$/gm, '');
  const section = /(?:^|[\s;}])redsocks\s*\{([^}]*)\}/.exec(plain);
  if (!section) throw new ProxyError(ProxyErrorCode.SystemConfigInvalid, `${file} has no "redsocks { ... }" section; balenaOS documents the format`);
  const pairs = new Map<string, string>();
  for (const statement of section[1]!.split(';')) {
    const m = /^\s*([a-z_]+)\s*=\s*(.*?)\s*$/is.exec(statement);
    if (m) pairs.set(m[1]!.toLowerCase(), m[2]!.replace(/^"(.*)"$/s, '$1'));
  }
  return pairs;
}

/** The proxy redsocks.conf names, as a proxy URL parsed the usual way so the same checks apply. */
function proxyOfRedsocks(text: string, file: string): ProxySpec {
  const pairs = redsocksSection(text, file);
  const invalid = (why: string): ProxyError => new ProxyError(ProxyErrorCode.SystemConfigInvalid, `${file}: ${why}`);
  const type = pairs.get('type') ?? '';
  const protocol = PROXY_TYPES[type];
  if (protocol === undefined) throw invalid(`type "${type}" is not supported; use type = http-connect or type = socks5`);
  const ip = pairs.get('ip');
  const port = pairs.get('port');
  if (!ip) throw invalid('the redsocks section has no "ip = ...;"');
  if (!port || !/^\d+$/.test(port)) throw invalid(`the redsocks section needs "port = <number>;", not ${JSON.stringify(port ?? '')}`);
  const login = pairs.get('login');
  const credentials = login ? `${encodeURIComponent(login)}:${encodeURIComponent(pairs.get('password') ?? '')}@` : '';
  const host = net.isIPv6(ip) ? `[${ip}]` : ip;
  return parseProxyUrl(`${protocol}://${credentials}${host}:${port}`, file);
}

/** The proxy balenaOS's redsocks.conf in `dir` names, with the file's path as its source; undefined without the file. */
export function readBalenaProxy(dir: string): { proxy: ProxySpec; source: string } | undefined {
  const file = path.join(dir, 'redsocks.conf');
  const text = readOptional(file);
  return text === undefined ? undefined : { proxy: proxyOfRedsocks(text, file), source: file };
}

/** balenaOS's no_proxy file in `dir` (one entry a line, as NO_PROXY takes them), or undefined without it. */
export function readBalenaNoProxy(dir: string): string | undefined {
  return readOptional(path.join(dir, 'no_proxy'));
}
