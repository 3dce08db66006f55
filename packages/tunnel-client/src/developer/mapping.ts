import net from 'node:net';
import { CodedError } from '@tunnel/protocol/errors';
import { DeveloperErrorCode } from './developer-errors.js';

/** One `-p` of `device tunnel`: a local listener forwarding to a port on the device. */
export interface PortMapping {
  /** The -p text as typed, for messages. */
  text: string;
  remotePort: number;
  localAddress: string;
  localPort: number;
}


export const DEFAULT_LOCAL_ADDRESS = '127.0.0.1';

const FORMS = 'use <remotePort>[:[localAddress:]localPort], e.g. 22222, 22222:4321, 22222:0.0.0.0:4321, 22222:0.0.0.0 or 22222:[::1]:4321';

function invalid(text: string, why: string): CodedError {
  return new CodedError(DeveloperErrorCode.InvalidMapping, `invalid port mapping "${text}": ${why}; ${FORMS}`);
}

function port(text: string, part: string, what: string): number {
  if (!/^\d+$/.test(part)) throw invalid(text, `${what} "${part}" is not a port number`);
  const n = Number(part);
  if (n < 1 || n > 65535 || part.length > 5) throw invalid(text, `${what} ${part} is outside 1-65535`);
  return n;
}

function address(text: string, part: string, bracketed: boolean): string {
  if (bracketed ? net.isIPv6(part) : net.isIPv4(part) || part === 'localhost') return part;
  if (!bracketed && net.isIPv6(part)) throw invalid(text, `IPv6 address ${part} must be written in brackets, like [::1]`);
  throw invalid(text, `local address "${bracketed ? `[${part}]` : part}" is not an IPv4 address, a bracketed IPv6 address or localhost`);
}

/**
 * Parses `<remotePort>[:[localAddress:]localPort]` exactly as `balena device tunnel` reads it:
 * `22222` (local 127.0.0.1:22222), `22222:4321`, `22222:0.0.0.0:4321`, `22222:0.0.0.0`
 * (local port = remote port), and `[::1]` for IPv6. Anything else is refused, naming the mapping,
 * rather than guessed at: a silently misread mapping forwards the wrong port.
 */
export function parseMapping(text: string): PortMapping {
  const cut = text.indexOf(':');
  const remotePort = port(text, cut < 0 ? text : text.slice(0, cut), 'remote port');
  if (cut < 0) return { text, remotePort, localAddress: DEFAULT_LOCAL_ADDRESS, localPort: remotePort };
  const rest = text.slice(cut + 1);
  if (rest === '') throw invalid(text, 'nothing after ":"');
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw invalid(text, 'an IPv6 address opened with "[" is not closed');
    const localAddress = address(text, rest.slice(1, close), true);
    const after = rest.slice(close + 1);
    if (after === '') return { text, remotePort, localAddress, localPort: remotePort };
    if (!after.startsWith(':')) throw invalid(text, `unexpected "${after}" after the address`);
    return { text, remotePort, localAddress, localPort: port(text, after.slice(1), 'local port') };
  }
  const parts = rest.split(':');
  if (parts.length > 2) {
    if (net.isIPv6(rest) || net.isIPv6(parts.slice(0, -1).join(':'))) throw invalid(text, 'IPv6 addresses must be written in brackets, like [::1]');
    throw invalid(text, `${parts.length + 1} parts where at most 3 are allowed`);
  }
  if (parts.length === 1) {
    const only = parts[0]!;
    if (/^\d+$/.test(only)) return { text, remotePort, localAddress: DEFAULT_LOCAL_ADDRESS, localPort: port(text, only, 'local port') };
    if (/^\d/.test(only) && !net.isIPv4(only)) throw invalid(text, `local port "${only}" is not a port number`);
    return { text, remotePort, localAddress: address(text, only, false), localPort: remotePort };
  }
  const [host, local] = parts as [string, string];
  return { text, remotePort, localAddress: address(text, host, false), localPort: port(text, local, 'local port') };
}

/** Parses every -p and refuses two mappings on the same local port (the second could never bind). */
export function parseMappings(texts: readonly string[]): PortMapping[] {
  if (texts.length === 0) throw new CodedError(DeveloperErrorCode.InvalidMapping, `no port mapping given; add -p, ${FORMS}`);
  const mappings = texts.map(parseMapping);
  const seen = new Map<number, PortMapping>();
  for (const m of mappings) {
    const earlier = seen.get(m.localPort);
    if (earlier) throw new CodedError(DeveloperErrorCode.InvalidMapping, `port mappings "${earlier.text}" and "${m.text}" both use local port ${m.localPort}; give each its own local port`);
    seen.set(m.localPort, m);
  }
  return mappings;
}

/** `127.0.0.1:4321`, `[::1]:4321`: how a listener's address is shown. */
export function formatHostPort(host: string, port: number): string {
  return net.isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}
