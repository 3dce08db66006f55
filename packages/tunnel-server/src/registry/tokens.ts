import { createHash, randomBytes } from 'node:crypto';

/**
 * The prefix makes a leaked token recognisable to secret scanners and to people, and lets
 * authenticate() reject obvious garbage without a lookup.
 */
export const TOKEN_PREFIX = 'tnl_';

export function newApiToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * Tokens are 256 random bits, so a plain SHA-256 is enough to make a stolen database useless
 * for logging in; a slow password hash would only slow every request down.
 */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function looksLikeApiToken(token: string): boolean {
  return token.startsWith(TOKEN_PREFIX) && token.length > TOKEN_PREFIX.length;
}
