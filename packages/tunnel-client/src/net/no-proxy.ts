import net from 'node:net';

/** One NO_PROXY entry, kept as written so a bypass can say which entry matched. */
interface NoProxyRule {
  text: string;
  port: number | undefined;
  matchHost: (host: string) => boolean;
}

function normalizeName(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

function stripBrackets(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The one spelling of an address, so "::1" and "0:0::1" compare equal. */
function canonicalAddress(address: string): string | undefined {
  const family = net.isIP(address);
  return family === 0 ? undefined : new net.SocketAddress({ address, family: family === 4 ? 'ipv4' : 'ipv6' }).address;
}

/** Splits "host:port", "[v6]:port", "[v6]" or a bare IPv6 address into host and optional port. */
function splitPort(entry: string): { host: string; port: number | undefined } {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] === undefined ? undefined : Number(bracketed[2]) };
  const colon = entry.lastIndexOf(':');
  // More than one colon and no brackets: an IPv6 address, never host:port.
  if (colon < 0 || entry.indexOf(':') !== colon) return { host: entry, port: undefined };
  const port = entry.slice(colon + 1);
  return /^\d+$/.test(port) ? { host: entry.slice(0, colon), port: Number(port) } : { host: entry, port: undefined };
}

function cidrMatcher(host: string): ((candidate: string) => boolean) | undefined {
  const slash = host.indexOf('/');
  if (slash < 0) return undefined;
  const address = host.slice(0, slash);
  const bits = host.slice(slash + 1);
  const family = net.isIP(address);
  if (family === 0 || !/^\d+$/.test(bits) || Number(bits) > (family === 4 ? 32 : 128)) return () => false;
  const list = new net.BlockList();
  list.addSubnet(address, Number(bits), family === 4 ? 'ipv4' : 'ipv6');
  return (candidate) => {
    const f = net.isIP(candidate);
    return f !== 0 && list.check(candidate, f === 4 ? 'ipv4' : 'ipv6');
  };
}

function parseRule(text: string): NoProxyRule {
  if (text === '*') return { text, port: undefined, matchHost: () => true };
  const { host, port } = splitPort(text);
  const cidr = cidrMatcher(host);
  if (cidr) return { text, port, matchHost: cidr };
  const address = canonicalAddress(host);
  if (address !== undefined) return { text, port, matchHost: (candidate) => canonicalAddress(candidate) === address };
  // As curl: ".example.com", "*.example.com" and "example.com" all cover the domain and every name under it.
  const domain = normalizeName(host.replace(/^\*?\./, ''));
  return {
    text,
    port,
    matchHost: (candidate) => {
      const name = normalizeName(candidate);
      return name === domain || name.endsWith(`.${domain}`);
    },
  };
}

/**
 * A NO_PROXY list: hosts reached directly even when a proxy is configured. Entries are separated
 * by commas or spaces: `*`, exact names, domains (with or without a leading `.` or `*.`, covering
 * their subdomains), IP addresses, CIDR blocks, each optionally with `:port`. Names are never
 * resolved to match address entries: that would leak lookups the proxy was meant to make.
 */
export class NoProxyList {
  private readonly rules: NoProxyRule[];

  constructor(text: string | undefined) {
    this.rules = (text ?? '')
      .split(/[\s,]+/)
      .filter((e) => e !== '')
      .map(parseRule);
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The entry that sends host:port direct, or undefined when the proxy applies. */
  match(host: string, port: number): string | undefined {
    const bare = stripBrackets(host);
    return this.rules.find((r) => (r.port === undefined || r.port === port) && r.matchHost(bare))?.text;
  }
}
