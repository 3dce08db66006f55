import { isIP } from 'node:net';
import { ProxyHeaderError, ProxyProtocolErrorCode } from './proxy-protocol-errors.js';

/**
 * A strict parser of the PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and 2)
 * a TCP load balancer puts in front of the client's bytes, so the server learns the client's
 * address. Anything the spec does not allow is an error: a lenient parser here would let a
 * client that reaches the listener directly pick the address the rate limits see.
 */

export type ProxyVersionSetting = 'v1' | 'v2' | 'any';

export interface ProxyAddress {
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

export interface ProxyTlv {
  type: number;
  value: Buffer;
}

export interface ProxyHeader {
  version: 1 | 2;
  /** `local`: the balancer speaks for itself (health checks); the socket's own address holds. */
  command: 'proxy' | 'local';
  /** The original client and the address it reached; absent for LOCAL, UNKNOWN and non-IP families. */
  source?: ProxyAddress;
  destination?: ProxyAddress;
  tlvs: ProxyTlv[];
}

export type ProxyParse = { complete: false } | { complete: true; header: ProxyHeader; length: number };

const V1_PREFIX = Buffer.from('PROXY ', 'latin1');
/** 107 bytes: the longest v1 line the spec allows, CRLF included. */
const V1_MAX = 107;
const V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);
const V2_FIXED = 16;
/** Addresses plus TLVs; HAProxy's own (SSL, unique id, netns) stay far below this. */
export const V2_MAX_BODY = 2048;

const fail = (code: ProxyProtocolErrorCode, message: string): never => {
  throw new ProxyHeaderError(code, message);
};

/** Whether `buf` could still grow into `prefix` (or already starts with it). */
function agreesWith(buf: Buffer, prefix: Buffer): boolean {
  const n = Math.min(buf.length, prefix.length);
  return buf.subarray(0, n).equals(prefix.subarray(0, n));
}

/**
 * Parses the header at the start of `buf`: incomplete while more bytes may complete it, the
 * header and its length once whole, a ProxyHeaderError as soon as the bytes cannot be one.
 */
export function parseProxyHeader(buf: Buffer, accept: ProxyVersionSetting): ProxyParse {
  const v1 = agreesWith(buf, V1_PREFIX);
  const v2 = agreesWith(buf, V2_SIGNATURE);
  if (!v1 && !v2) return fail(ProxyProtocolErrorCode.Missing, 'the connection did not start with a PROXY protocol header; only the load balancer may connect to this listener');
  if (buf.length === 0) return { complete: false };
  const version = v1 ? 1 : 2;
  if (accept !== 'any' && accept !== `v${version}`) {
    return fail(ProxyProtocolErrorCode.WrongVersion, `got a PROXY protocol v${version} header, but this listener takes ${accept} only (see --proxy-protocol)`);
  }
  return v1 ? parseV1(buf) : parseV2(buf);
}

function parseV1(buf: Buffer): ProxyParse {
  const end = buf.indexOf('\r\n', 0, 'latin1');
  if (end < 0) {
    if (buf.length >= V1_MAX) fail(ProxyProtocolErrorCode.Oversized, `PROXY v1 header has no CRLF within ${V1_MAX} bytes`);
    return { complete: false };
  }
  const length = end + 2;
  if (length > V1_MAX) fail(ProxyProtocolErrorCode.Oversized, `PROXY v1 header is ${length} bytes, more than ${V1_MAX}`);
  const line = buf.toString('latin1', 0, end);
  if (!/^[\x20-\x7e]*$/.test(line)) fail(ProxyProtocolErrorCode.Malformed, 'PROXY v1 header holds bytes that are not printable ASCII');
  const parts = line.split(' ');
  const proto = parts[1];
  if (proto === 'UNKNOWN') return { complete: true, header: { version: 1, command: 'local', tlvs: [] }, length };
  if (proto !== 'TCP4' && proto !== 'TCP6') return fail(ProxyProtocolErrorCode.Malformed, `PROXY v1 protocol must be TCP4, TCP6 or UNKNOWN, got ${JSON.stringify(proto)}`);
  if (parts.length !== 6) fail(ProxyProtocolErrorCode.Malformed, `PROXY v1 ${proto} header needs 4 fields after the protocol, got ${parts.length - 2}`);
  const family = proto === 'TCP4' ? 'IPv4' : 'IPv6';
  const source = v1Address(parts[2] ?? '', parts[4] ?? '', family);
  const destination = v1Address(parts[3] ?? '', parts[5] ?? '', family);
  return { complete: true, header: { version: 1, command: 'proxy', source, destination, tlvs: [] }, length };
}

function v1Address(address: string, portText: string, family: ProxyAddress['family']): ProxyAddress {
  if (isIP(address) !== (family === 'IPv4' ? 4 : 6)) fail(ProxyProtocolErrorCode.Malformed, `PROXY v1 address ${JSON.stringify(address)} is not an ${family} address`);
  // The spec forbids leading zeros and signs: the port is 0 or a decimal without a leading 0.
  if (!/^(0|[1-9]\d{0,4})$/.test(portText) || Number(portText) > 65535) fail(ProxyProtocolErrorCode.Malformed, `PROXY v1 port ${JSON.stringify(portText)} is not a port number`);
  return { address, port: Number(portText), family };
}

function parseV2(buf: Buffer): ProxyParse {
  if (buf.length < V2_FIXED) return { complete: false };
  const verCmd = buf[12] ?? 0;
  if (verCmd >> 4 !== 2) fail(ProxyProtocolErrorCode.Malformed, `PROXY v2 version nibble must be 2, got ${verCmd >> 4}`);
  const cmd = verCmd & 0x0f;
  if (cmd > 1) fail(ProxyProtocolErrorCode.Malformed, `PROXY v2 command must be LOCAL (0) or PROXY (1), got ${cmd}`);
  const famProto = buf[13] ?? 0;
  const bodyLength = buf.readUInt16BE(14);
  if (bodyLength > V2_MAX_BODY) fail(ProxyProtocolErrorCode.Oversized, `PROXY v2 header announces ${bodyLength} bytes of addresses and TLVs, more than ${V2_MAX_BODY}`);
  const length = V2_FIXED + bodyLength;
  if (buf.length < length) return { complete: false };
  const body = buf.subarray(V2_FIXED, length);
  const addressLength = famProto === 0x11 ? 12 : famProto === 0x21 ? 36 : 0;
  if (body.length < addressLength) fail(ProxyProtocolErrorCode.Malformed, `PROXY v2 header is too short for its addresses: ${body.length} of ${addressLength} bytes`);
  const tlvs = parseTlvs(body.subarray(addressLength));
  const header: ProxyHeader = { version: 2, command: cmd === 1 ? 'proxy' : 'local', tlvs };
  // LOCAL carries no client; UNSPEC, UDP and unix families name nothing a TCP client came from.
  if (cmd === 1 && addressLength > 0) {
    const family = famProto === 0x11 ? 'IPv4' : 'IPv6';
    const size = family === 'IPv4' ? 4 : 16;
    header.source = { address: ipText(body.subarray(0, size)), port: body.readUInt16BE(2 * size), family };
    header.destination = { address: ipText(body.subarray(size, 2 * size)), port: body.readUInt16BE(2 * size + 2), family };
  }
  return { complete: true, header, length };
}

function parseTlvs(rest: Buffer): ProxyTlv[] {
  const tlvs: ProxyTlv[] = [];
  let at = 0;
  while (at < rest.length) {
    if (rest.length - at < 3) fail(ProxyProtocolErrorCode.Malformed, `PROXY v2 TLV at byte ${at} is cut short`);
    const type = rest[at] ?? 0;
    const len = rest.readUInt16BE(at + 1);
    if (at + 3 + len > rest.length) fail(ProxyProtocolErrorCode.Malformed, `PROXY v2 TLV of type 0x${type.toString(16)} claims ${len} bytes, beyond the header`);
    tlvs.push({ type, value: Buffer.from(rest.subarray(at + 3, at + 3 + len)) });
    at += 3 + len;
  }
  return tlvs;
}

function ipText(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16));
  // The compressed form, as Node reports socket addresses.
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}
