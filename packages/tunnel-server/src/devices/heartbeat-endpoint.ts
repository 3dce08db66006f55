import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  AuthError,
  AuthErrorCode,
  HEARTBEAT_CHALLENGE_PATH,
  HEARTBEAT_PATH,
  heartbeatTranscript,
  parseHeartbeatReport,
  type SignatureCheck,
  type TranscriptSigner,
} from '@tunnel/protocol/auth';
import { type Logger } from '@tunnel/protocol/log';
import { deviceSubject, type AuthLimits } from '../auth/auth-limits.js';
import { readJsonBody, remoteAddressOf } from '../http/body.js';
import { sendError, sendJson, type Router } from '../http/router.js';
import { HEARTBEAT_GRACE } from '../presence/device-status.js';
import type { AuthFailureSink } from '../metrics/server-metrics.js';
import type { Presence } from '../presence/presence.js';
import type { Registry } from '../registry/types.js';

/** How long a challenge nonce may be answered. */
const NONCE_LIFETIME_MS = 60_000;

export interface HeartbeatDeps {
  registry: Registry;
  presence: Presence;
  identity: TranscriptSigner;
  verify: SignatureCheck;
  limits: AuthLimits;
  failureDelayMs: number;
  log: Logger;
  metrics: AuthFailureSink & { heartbeats: { inc(): void } };
}

/**
 * The heartbeat endpoint (see protocol/src/auth/heartbeat-messages.ts). Nonces are stateless,
 * HMAC-bound to the uuid and the server's clock, keyed by a secret every node sharing the
 * identity key derives alike, so challenge and report may land on different nodes. Answered
 * nonces are remembered for their lifetime, so a recorded report cannot be replayed.
 */
export class HeartbeatEndpoint {
  private readonly secret: Buffer;
  private readonly used = new Map<string, number>();

  constructor(private readonly deps: HeartbeatDeps) {
    // Ed25519 signatures are deterministic: the same identity key gives the same secret everywhere.
    this.secret = Buffer.from(deps.identity.sign(Buffer.from('tunnel heartbeat nonce key v1')), 'base64url');
  }

  register(router: Router): void {
    router.on('GET', HEARTBEAT_CHALLENGE_PATH, (req, res) => {
      const uuid = new URL(req.url ?? '/', 'http://x').searchParams.get('uuid') ?? '';
      if (!/^[0-9a-f]{32}$/.test(uuid)) {
        sendError(res, 400, AuthErrorCode.Protocol, 'query parameter uuid must be the 32-hex device uuid');
        return;
      }
      sendJson(res, 200, { nonce: this.makeNonce(uuid, Date.now()) });
    });
    router.on('POST', HEARTBEAT_PATH, (req, res) => this.report(req, res));
  }

  private async report(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const { registry, presence, verify, limits, log } = this.deps;
    const source = remoteAddressOf(req);
    const sourceWait = limits.sourceRetryAfter(source);
    if (sourceWait > 0) {
      this.refuse(res, new AuthError(AuthErrorCode.RateLimited, `too many failed heartbeats from ${source}`, sourceWait), false);
      return;
    }
    let report;
    try {
      report = parseHeartbeatReport(await readJsonBody(req, 4096));
    } catch (err) {
      sendError(res, 400, (err as AuthError).code ?? AuthErrorCode.Protocol, (err as Error).message);
      return;
    }
    const now = Date.now();
    const nonceProblem = this.checkNonce(report.uuid, report.nonce, now);
    if (nonceProblem) {
      this.refuse(res, new AuthError(AuthErrorCode.Protocol, nonceProblem), false);
      return;
    }
    const device = await registry.devices.get(report.uuid);
    const fail = (error: AuthError): void => {
      limits.recordFailure(source, deviceSubject(report.uuid));
      log.warn({ uuid: report.uuid, remoteAddress: source, code: error.code }, 'heartbeat refused');
      this.deps.metrics.authFailed('heartbeat', error.code);
      this.refuse(res, error, true);
    };
    if (!device) {
      fail(new AuthError(AuthErrorCode.UnknownDevice, `device ${report.uuid} is not registered on this server`));
      return;
    }
    if (!verify(device.authPublicKey, heartbeatTranscript(report), report.signature)) {
      fail(new AuthError(AuthErrorCode.BadKey, `the heartbeat of device ${report.uuid} is not signed with its registered key: its deviceApiKey is wrong or outdated`));
      return;
    }
    this.used.set(report.nonce, now + NONCE_LIFETIME_MS);
    // A good heartbeat answers earlier failures, as a good session does: no warning stays behind.
    limits.recordSuccess(deviceSubject(report.uuid));
    if (device.lastError !== null) await registry.devices.recordStatus(report.uuid, { lastError: null });
    await presence.heartbeat(report.uuid, now, report.intervalMs);
    this.deps.metrics.heartbeats.inc();
    log.debug({ uuid: report.uuid, intervalMs: report.intervalMs }, 'heartbeat');
    sendJson(res, 200, { status: 'ok', serverTime: now, freshForMs: Math.round(report.intervalMs * HEARTBEAT_GRACE) });
  }

  private makeNonce(uuid: string, now: number): string {
    const body = `${now.toString(36)}.${randomBytes(12).toString('base64url')}`;
    return `${body}.${this.mac(uuid, body)}`;
  }

  private mac(uuid: string, body: string): string {
    return createHmac('sha256', this.secret).update(`${uuid}\n${body}`).digest('base64url').slice(0, 22);
  }

  /** Returns what is wrong with a nonce, or undefined when it is fresh, ours and unused. */
  private checkNonce(uuid: string, nonce: string, now: number): string | undefined {
    for (const [n, expiry] of this.used) {
      if (expiry > now) break;
      this.used.delete(n);
    }
    const parts = nonce.split('.');
    if (parts.length !== 3) return 'heartbeat nonce is malformed; fetch a new challenge';
    const expected = Buffer.from(this.mac(uuid, `${parts[0]}.${parts[1]}`));
    const given = Buffer.from(parts[2]!);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return 'heartbeat nonce was not issued by this server for this device';
    const issued = parseInt(parts[0]!, 36);
    if (!(now - issued <= NONCE_LIFETIME_MS && issued <= now + 5_000)) return 'heartbeat nonce has expired; fetch a new challenge';
    if (this.used.has(nonce)) return 'heartbeat nonce was already used (a replayed report)';
    return undefined;
  }

  private refuse(res: import('node:http').ServerResponse, error: AuthError, delayed: boolean): void {
    const status = error.code === AuthErrorCode.RateLimited ? 429 : error.code === AuthErrorCode.Protocol ? 400 : 401;
    const headers: Record<string, string> = error.retryAfterMs !== undefined ? { 'retry-after': String(Math.ceil(error.retryAfterMs / 1000)) } : {};
    const send = (): void => sendError(res, status, error.code, error.message, headers);
    if (delayed) setTimeout(send, this.deps.failureDelayMs).unref();
    else send();
  }
}
