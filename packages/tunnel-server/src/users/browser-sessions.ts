import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { TranscriptSigner } from '@tunnel/protocol/auth';

export const SESSION_COOKIE = 'tunnel_session';
/** The header a state-changing request sends the session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

export interface SessionLifetime {
  /** A session unused this long ends. */
  idleMs: number;
  /** A session ends this long after its login, used or not. */
  absoluteMs: number;
}

export const defaultSessionLifetime: SessionLifetime = { idleMs: 15 * 60_000, absoluteMs: 8 * 3_600_000 };

/** A session is re-issued (its idle clock restarted) at most this often, not on every poll. */
const TOUCH_EVERY_MS = 60_000;

export interface BrowserSession {
  /** The API token the person logged in with: each request is checked with it, so rotating it ends the session. */
  token: string;
  /** Sent back by the page in CSRF_HEADER on state-changing requests; a cross-site form cannot know it. */
  csrf: string;
  issuedAt: number;
  seenAt: number;
}

/**
 * The dashboard's login: the token is kept in an HttpOnly cookie the page's scripts cannot read,
 * encrypted and authenticated (AES-256-GCM) under a key derived from the server identity key,
 * so every node of a cluster reads the cookies the others issued without shared state.
 */
export class BrowserSessions {
  private readonly key: Buffer;

  constructor(
    identity: TranscriptSigner,
    private readonly lifetime: SessionLifetime = defaultSessionLifetime,
    private readonly now: () => number = Date.now,
  ) {
    // Ed25519 signatures are deterministic: the same identity key gives the same key on every node.
    this.key = createHash('sha256').update(identity.sign(Buffer.from('tunnel browser session key v1'))).digest();
  }

  create(token: string): BrowserSession {
    const t = this.now();
    return { token, csrf: randomBytes(24).toString('base64url'), issuedAt: t, seenAt: t };
  }

  /** The session a request's cookie holds, or null when it has none that is ours and unexpired. */
  read(headers: IncomingHttpHeaders): BrowserSession | null {
    const value = cookieValue(headers.cookie, SESSION_COOKIE);
    if (value === undefined) return null;
    const session = this.open(value);
    if (session === null) return null;
    const t = this.now();
    return t - session.seenAt < this.lifetime.idleMs && t - session.issuedAt < this.lifetime.absoluteMs ? session : null;
  }

  /** The session with its idle clock restarted, when it is due; null when it need not be re-sent. */
  touch(session: BrowserSession): BrowserSession | null {
    const t = this.now();
    return t - session.seenAt >= TOUCH_EVERY_MS ? { ...session, seenAt: t } : null;
  }

  /** The Set-Cookie value for a session; the browser drops it when either lifetime runs out. */
  setCookie(session: BrowserSession): string {
    const ends = Math.min(session.seenAt + this.lifetime.idleMs, session.issuedAt + this.lifetime.absoluteMs);
    const maxAge = Math.max(0, Math.floor((ends - this.now()) / 1000));
    return `${SESSION_COOKIE}=${this.seal(session)}; Path=/; Max-Age=${maxAge}; HttpOnly; Secure; SameSite=Strict`;
  }

  clearCookie(): string {
    return `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict`;
  }

  /** Whether a request carries the session's CSRF token. */
  static csrfMatches(session: BrowserSession, headers: IncomingHttpHeaders): boolean {
    const given = Buffer.from(String(headers[CSRF_HEADER] ?? ''));
    const expected = Buffer.from(session.csrf);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private seal(session: BrowserSession): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(session), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
  }

  private open(value: string): BrowserSession | null {
    const raw = Buffer.from(value, 'base64url');
    if (raw.length < 29) return null;
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAuthTag(raw.subarray(12, 28));
      const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
      const s = JSON.parse(text) as Partial<BrowserSession>;
      if (typeof s.token !== 'string' || typeof s.csrf !== 'string' || typeof s.issuedAt !== 'number' || typeof s.seenAt !== 'number') return null;
      return { token: s.token, csrf: s.csrf, issuedAt: s.issuedAt, seenAt: s.seenAt };
    } catch {
      // Forged, truncated, or sealed under another server's key.
      return null;
    }
  }
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
