import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { CodedError } from '@tunnel/protocol/errors';
import { ApiErrorCode } from '../api/api-errors.js';
import { ServerConfigErrorCode } from '../commands/command-errors.js';
import { HttpError } from '../http/http-error.js';
import { authenticateBearer } from '../users/bearer-auth.js';
import { bearerToken } from '../users/token-headers.js';
import type { UserAuthenticator } from '../users/user-authenticator.js';

/** Long enough that guessing it is hopeless (openssl rand -hex 32 gives 64). */
const MIN_METRICS_TOKEN_LENGTH = 32;

/** The scrape token in a file, as Prometheus' `credentials_file` reads it too. */
export function readMetricsToken(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new CodedError(ServerConfigErrorCode.Invalid, `cannot read the metrics token file ${file}: ${(err as Error).message}`);
  }
  if (token.length < MIN_METRICS_TOKEN_LENGTH || /\s/.test(token)) {
    throw new CodedError(ServerConfigErrorCode.Invalid, `the metrics token in ${file} must be one word of at least ${MIN_METRICS_TOKEN_LENGTH} characters; make one with: openssl rand -hex 32 > ${file}`);
  }
  return token;
}

const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

/**
 * Who may read /metrics: the counts are fleet-wide (devices, failures, traffic), so not every
 * user. An admin's token does, and so does the metrics token, which opens nothing else: the
 * credential a Prometheus scrape config holds.
 */
export class MetricsAccess {
  private readonly scrapeDigest: Buffer | null;

  constructor(
    private readonly authenticator: UserAuthenticator,
    scrapeToken: string | undefined,
  ) {
    this.scrapeDigest = scrapeToken === undefined ? null : digest(scrapeToken);
  }

  /** Resolves when the request may read the metrics; throws the HttpError to answer otherwise. */
  async check(req: IncomingMessage): Promise<void> {
    const token = bearerToken(req.headers);
    if (this.scrapeDigest !== null && token !== undefined && timingSafeEqual(digest(token), this.scrapeDigest)) return;
    const user = await authenticateBearer(this.authenticator, req);
    if (user.role !== 'admin') {
      throw new HttpError(403, ApiErrorCode.Forbidden, `/metrics needs an admin's token or the metrics token (tunnel-server start --metrics-token-file); ${user.name} is ${user.role}`);
    }
  }
}
