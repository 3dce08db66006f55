import net from 'node:net';
import { CodedError } from '@tunnel/protocol/errors';
import { ConfigErrorCode } from './agent-errors.js';

/** Ports as "22,80,8000-8100" or "*" name them. */
export interface PortList {
  /** null: every port. */
  ports: ReadonlySet<number> | null;
  ranges: readonly [number, number][];
}

/** One allowedTargets entry: an address, a CIDR block or a host name, and the ports on it. */
export interface TargetRule extends PortList {
  text: string;
  matchHost: (host: string) => boolean;
}

function portListed(list: PortList, port: number): boolean {
  return list.ports === null || list.ports.has(port) || list.ranges.some(([lo, hi]) => port >= lo && port <= hi);
}

const LOOPBACK_NAMES = new Set(['localhost', 'ip6-localhost']);

/**
 * The device's own loopback: always served, on any port. Only 127.0.0.1, ::1 and localhost:
 * the rest of 127.0.0.0/8 can be bound by other hosts' stand-ins (containers, test set-ups
 * using 127.0.0.2 as "a host on the LAN"), so like any other host they need allowedTargets.
 */
export function isLoopback(host: string): boolean {
  if (LOOPBACK_NAMES.has(host.toLowerCase())) return true;
  if (net.isIPv4(host)) return host === '127.0.0.1';
  if (net.isIPv6(host)) return host === '::1' || host === '0:0:0:0:0:0:0:1' || /^::ffff:127\.0\.0\.1$/i.test(host);
  return false;
}

/** `where` names the setting for the error, e.g. `allowedTargets entry "10.0.0.5:x"`. */
function parsePorts(text: string, where: string): PortList {
  if (text === '*') return { ports: null, ranges: [] };
  const ports = new Set<number>();
  const ranges: [number, number][] = [];
  for (const part of text.split(',')) {
    const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part.trim());
    const lo = Number(m?.[1]);
    const hi = m?.[2] === undefined ? lo : Number(m[2]);
    if (!m || lo < 1 || hi > 65535 || hi < lo) {
      throw new CodedError(ConfigErrorCode.Invalid, `${where}: "${part}" is not a port, a range like 8000-8100, or *`);
    }
    if (lo === hi) ports.add(lo);
    else ranges.push([lo, hi]);
  }
  return { ports, ranges };
}

function hostMatcher(text: string, rule: string): (host: string) => boolean {
  const slash = text.indexOf('/');
  if (slash >= 0) {
    const address = text.slice(0, slash);
    const prefix = Number(text.slice(slash + 1));
    const type = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : null;
    const max = type === 'ipv4' ? 32 : 128;
    if (!type || !/^\d+$/.test(text.slice(slash + 1)) || prefix > max) {
      throw new CodedError(ConfigErrorCode.Invalid, `allowedTargets entry "${rule}": "${text}" is not a CIDR block like 192.168.1.0/24`);
    }
    const list = new net.BlockList();
    list.addSubnet(address, prefix, type);
    return (host) => {
      const t = net.isIPv4(host) ? 'ipv4' : net.isIPv6(host) ? 'ipv6' : null;
      return t !== null && list.check(host, t);
    };
  }
  const name = text.replace(/^\[|\]$/g, '').toLowerCase();
  if (name.length === 0) throw new CodedError(ConfigErrorCode.Invalid, `allowedTargets entry "${rule}" has no host`);
  return (host) => host.toLowerCase() === name;
}

/** Parses "192.168.1.0/24:22,80", "10.0.0.5:*", "[fd00::1]:8080", "printer.lan:631". */
export function parseTargetRule(rule: string): TargetRule {
  const cut = rule.lastIndexOf(':');
  if (cut <= 0 || cut === rule.length - 1) {
    throw new CodedError(ConfigErrorCode.Invalid, `allowedTargets entry "${rule}" must be HOST:PORTS, for example 192.168.1.0/24:22,80 or 10.0.0.5:*`);
  }
  const { ports, ranges } = parsePorts(rule.slice(cut + 1), `allowedTargets entry "${rule}"`);
  return { text: rule, matchHost: hostMatcher(rule.slice(0, cut), rule), ports, ranges };
}

/** Why the policy refused a target, for the developer's error and the device's log. */
export type PolicyRefusal = 'localPorts' | 'allowedTargets';

/**
 * What the device lets people reach: its own loopback on the ports localPorts lists (every port
 * unless it is set: the default stays what devices always had), and other hosts only when its
 * allowedTargets list them. The device decides, whatever the server allows.
 */
export class TargetPolicy {
  private readonly rules: TargetRule[];
  private readonly localPorts: PortList;

  constructor(allowedTargets: readonly string[], localPorts = '*') {
    this.rules = allowedTargets.map(parseTargetRule);
    this.localPorts = parsePorts(localPorts, 'localPorts');
  }

  allows(host: string, port: number): boolean {
    return this.refusal(host, port) === undefined;
  }

  /** Undefined when the target may be reached, else the setting that does not list it. */
  refusal(host: string, port: number): PolicyRefusal | undefined {
    if (isLoopback(host)) return portListed(this.localPorts, port) ? undefined : 'localPorts';
    return this.rules.some((r) => r.matchHost(host) && portListed(r, port)) ? undefined : 'allowedTargets';
  }
}
