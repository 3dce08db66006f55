import { AuthError, AuthErrorCode } from './auth-errors.js';

/**
 * The heartbeat: a short HTTPS exchange apart from the tunnel, authenticated like the tunnel
 * (a signature by the device's derived key, never the key itself):
 *
 *   GET  /v1/device/heartbeat/challenge?uuid=U   -> { nonce }           (stateless, HMAC-bound to U)
 *   POST /v1/device/heartbeat { uuid, nonce, intervalMs, agentVersion, signature }
 *
 * The nonce carries the server's own timestamp, so freshness never depends on the device clock
 * (devices without an RTC are exactly the ones whose heartbeat matters).
 */

export const HEARTBEAT_CHALLENGE_PATH = '/v1/device/heartbeat/challenge';
export const HEARTBEAT_PATH = '/v1/device/heartbeat';

export interface HeartbeatChallenge {
  nonce: string;
}

export interface HeartbeatReport {
  uuid: string;
  nonce: string;
  /** How often the device promises to send; the server counts a heartbeat fresh for 1.5 x this. */
  intervalMs: number;
  agentVersion: string;
  signature: string;
}

export const MIN_HEARTBEAT_INTERVAL_MS = 1_000;
export const MAX_HEARTBEAT_INTERVAL_MS = 24 * 3_600_000;

export function heartbeatTranscript(r: Pick<HeartbeatReport, 'uuid' | 'nonce' | 'intervalMs'>): Buffer {
  return Buffer.from(['tunnel-heartbeat', '1', r.uuid, r.nonce, String(r.intervalMs)].join('\n'), 'utf8');
}

export function parseHeartbeatReport(raw: unknown): HeartbeatReport {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const fail = (what: string): never => {
    throw new AuthError(AuthErrorCode.Protocol, `heartbeat field "${what}" is missing or malformed`);
  };
  const uuid = typeof r['uuid'] === 'string' && /^[0-9a-f]{32}$/.test(r['uuid']) ? r['uuid'] : fail('uuid');
  const nonce = typeof r['nonce'] === 'string' && r['nonce'].length <= 200 ? r['nonce'] : fail('nonce');
  const interval = r['intervalMs'];
  const intervalMs =
    typeof interval === 'number' && Number.isInteger(interval) && interval >= MIN_HEARTBEAT_INTERVAL_MS && interval <= MAX_HEARTBEAT_INTERVAL_MS
      ? interval
      : fail('intervalMs');
  const signature = typeof r['signature'] === 'string' && /^[A-Za-z0-9_-]{16,200}$/.test(r['signature']) ? r['signature'] : fail('signature');
  const agentVersion = typeof r['agentVersion'] === 'string' ? r['agentVersion'].slice(0, 64) : 'unknown';
  return { uuid, nonce, intervalMs, agentVersion, signature };
}
