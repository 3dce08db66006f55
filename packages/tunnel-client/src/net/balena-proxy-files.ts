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

/** redsocks.conf's tokens: quoted strings (unquoted here), words, and { } = ; with comments (C, C++, shell) skipped. */
function tokens(text: string): { value: string; quoted: boolean }[] {
  const pattern = /\s+|\/\*[\s\S]*?\*\/|(?:\/\/|#)[^\n]*|"((?:[^"\\]|\\.)*)"|([{}=;])|([^\s{}=;"]+)/g;
  const out: { value: string; quoted: boolean }[] = [];
  for (const m of text.matchAll(pattern)) {
    if (m[1] !== undefined) out.push({ value: m[1].replace(/\\(.)/g, '$1'), quoted: true });
    else if (m[2] !== undefined || m[3] !== undefined) out.push({ value: (m[2] ?? m[3])!, quoted: false });
  }
  return out;
}

/** The `key = value;` pairs of the `redsocks { ... }` section. */
function redsocksSection(text: string, file: string): Map<string, string> {
  const all = tokens(text);
  const start = all.findIndex((t, i) => !t.quoted && t.value === 'redsocks' && all[i + 1]?.value === '{');
  if (start < 0) throw new ProxyError(ProxyErrorCode.SystemConfigInvalid, `${file} has no "redsocks { ... }" section; balenaOS documents the format`);
  const pairs = new Map<string, string>();
  for (let i = start + 2; i < all.length; i++) {
    const key = all[i]!;
    if (key.value === '}' && !key.quoted) break;
    const [equals, value, end] = [all[i + 1], all[i + 2], all[i + 3]];
    if (equals?.value === '=' && value && end?.value === ';') {
      pairs.set(key.value.toLowerCase(), value.value);
      i += 3;
    }
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
