/**
 * The wire contract between the server and its two kinds of clients (device agent, developer
 * CLI): where they connect, how big a WebSocket message may be, and what a close code means.
 * Both ends import it from here so a change on one side cannot silently miss the other.
 */

/**
 * Header of the developer CLI's WebSocket upgrade saying which command holds the session, so the
 * audit log can tell an ssh ProxyCommand (`device proxy`) from a port forward (`device tunnel`).
 */
export const ACCESS_PATH_HEADER = 'x-tunnel-access-path';
/** ACCESS_PATH_HEADER's value for `device proxy`; absent means `device tunnel`. */
export const PROXY_COMMAND_ACCESS = 'proxy-command';

/** WebSocket paths on the server's listener. */
export const ConnectPath = {
  /** The device agent's session (challenge-response handshake inside the WebSocket). */
  Device: '/v1/device/connect',
  /** The developer CLI's session (API token checked before the upgrade). */
  User: '/v1/user/connect',
} as const;

/**
 * Largest WebSocket message either end accepts (ws's maxPayload). Senders cut the byte stream
 * into much smaller messages (MAX_WS_MESSAGE_BYTES); the slack is for peers that do not.
 */
export const MAX_WS_PAYLOAD = 16 * 1024 * 1024;

/** Largest message our WebSocket byte pipe sends. */
export const MAX_WS_MESSAGE_BYTES = 1024 * 1024;

/** WebSocket close codes the tunnel uses (RFC 6455 ones, and 4000-4999 for the application). */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  /** A close frame without a code. */
  NoStatus: 1005,
  /** The server is restarting (draining); the reason is a JSON DrainHint saying when to return. */
  Drain: 1012,
  /** The device was removed while connected. */
  DeviceRemoved: 4403,
} as const;

/** WebSocket close codes used when device authentication fails. */
export const AuthCloseCode = {
  Rejected: 4401,
  RateLimited: 4429,
  Protocol: 4400,
  /** "duplicate device": another agent with this device's config is connected and healthy. */
  Duplicate: 4409,
} as const;

/** Close codes after which the byte stream ended cleanly (not an error). */
export function isCleanClose(code: number): boolean {
  return code === CloseCode.Normal || code === CloseCode.GoingAway || code === CloseCode.NoStatus;
}

/** The reason of a CloseCode.Drain close: when the device should come back. */
export interface DrainHint {
  retryAfterMs: number;
}

/** A hint further out than this is a server bug or a hostile peer; the agent does not wait longer. */
export const MAX_DRAIN_HINT_MS = 10 * 60_000;

/** Close reasons are limited to 123 bytes of UTF-8; a DrainHint is far below that. */
export function encodeDrainHint(hint: DrainHint): string {
  if (!Number.isFinite(hint.retryAfterMs) || hint.retryAfterMs < 0) throw new RangeError(`retryAfterMs must be a finite number >= 0, got ${hint.retryAfterMs}`);
  return JSON.stringify({ retryAfterMs: Math.round(hint.retryAfterMs) });
}

/**
 * The server's restart hint from a close code and reason, or undefined when the close was not
 * a drain or its reason is not a valid hint (the caller then falls back to its own backoff).
 * A valid hint is capped at MAX_DRAIN_HINT_MS.
 */
export function parseDrainHint(code: number, reason: string): DrainHint | undefined {
  if (code !== CloseCode.Drain) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(reason);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const retry = (parsed as Record<string, unknown>)['retryAfterMs'];
  if (typeof retry !== 'number' || !Number.isFinite(retry) || retry < 0) return undefined;
  return { retryAfterMs: Math.min(retry, MAX_DRAIN_HINT_MS) };
}
