import type { IncomingHttpHeaders } from 'node:http';

/** The token of `Authorization: Bearer <token>`, the header the CLI and the API use. */
export function bearerToken(headers: IncomingHttpHeaders): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '');
  return m?.[1];
}

/**
 * The token of `Proxy-Authorization: Basic base64(user:token)`. The user part is ignored:
 * standard tools (curl --proxy-user x:TOKEN, git, ssh via a proxy command) insist on one.
 */
export function proxyBasicToken(headers: IncomingHttpHeaders): string | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(headers['proxy-authorization'] ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const token = colon >= 0 ? decoded.slice(colon + 1) : decoded;
  return token.length > 0 ? token : undefined;
}
