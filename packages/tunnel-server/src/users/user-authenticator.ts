import { AuthErrorCode } from '@tunnel/protocol/auth';
import { CodedError } from '@tunnel/protocol/errors';
import { type Logger } from '@tunnel/protocol/log';
import type { AuthLimits } from '../auth/auth-limits.js';
import type { AuthFailureSink } from '../metrics/server-metrics.js';
import type { Registry, UserRecord } from '../registry/types.js';
import type { BrowserSessions } from './browser-sessions.js';

export const UserAuthErrorCode = {
  MissingToken: AuthErrorCode.MissingToken,
  BadToken: AuthErrorCode.BadToken,
  RateLimited: AuthErrorCode.RateLimited,
} as const;

export type UserAuthErrorCode = (typeof UserAuthErrorCode)[keyof typeof UserAuthErrorCode];

/** A refused user authentication; each transport turns it into its own answer (401, 407, 429). */
export class UserAuthError extends CodedError<UserAuthErrorCode> {
  constructor(
    code: UserAuthErrorCode,
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(code, message);
  }
}

export interface UserAuthenticatorDeps {
  registry: Registry;
  limits: AuthLimits;
  /** A wrong token is answered after this delay, so guessing is slow for the guesser only. */
  failureDelayMs: number;
  log: Logger;
  metrics: AuthFailureSink;
  /** The dashboard's cookie sessions, which hold a token too. */
  sessions: BrowserSessions;
}

/**
 * Checks API tokens for every way people come in (CLI session, API, CONNECT), counting
 * failures per source address with the same limiter rules devices get.
 */
export class UserAuthenticator {
  readonly sessions: BrowserSessions;

  constructor(private readonly deps: UserAuthenticatorDeps) {
    this.sessions = deps.sessions;
  }

  async authenticate(token: string | undefined, source: string, hint: string): Promise<UserRecord> {
    try {
      return await this.check(token, source, hint);
    } catch (err) {
      this.deps.log.warn({ remoteAddress: source, code: (err as UserAuthError).code }, 'user authentication failed');
      this.deps.metrics.authFailed('user', (err as UserAuthError).code);
      throw err;
    }
  }

  private async check(token: string | undefined, source: string, hint: string): Promise<UserRecord> {
    const wait = this.deps.limits.sourceRetryAfter(source);
    if (wait > 0) {
      throw new UserAuthError(UserAuthErrorCode.RateLimited, `too many failed logins from ${source}; try again in ${Math.ceil(wait / 1000)} s`, wait);
    }
    if (token === undefined) throw new UserAuthError(UserAuthErrorCode.MissingToken, `no API token given; ${hint}`);
    const user = await this.deps.registry.users.authenticate(token);
    if (user === null) {
      this.deps.limits.recordFailure(source);
      await new Promise((resolve) => setTimeout(resolve, this.deps.failureDelayMs));
      throw new UserAuthError(UserAuthErrorCode.BadToken, 'the API token is not valid (unknown, rotated or its user removed); ask an admin for `tunnel-server user token NAME`');
    }
    return user;
  }
}
