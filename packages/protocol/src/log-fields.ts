/**
 * The log schema: every field a log line of the server, the agent or the CLI may carry, one name
 * per thing in every package, so a search for `uuid` finds a device's lines wherever they were
 * written. `Logger` (log.ts) accepts only these fields, so a new name must be added here, once.
 *
 * Conventions: a device is always `uuid`, in full (32 hex; short forms are for people, in messages);
 * a session is `sessionId`, a yamux stream `streamId`, a person `user` (their name); a failure
 * carries `code` (its stable code) and `err`, the Error itself, which pino's serializer writes
 * with its type, message, stack and own fields; never `err: e.message`. Byte counts are seen from
 * the developer: `bytesUp` toward the device, `bytesDown` back from it. Durations end in `Ms`.
 */
export interface LogFields {
  // Who and what
  uuid?: string | undefined;
  sessionId?: string | undefined;
  oldSessionId?: string | undefined;
  streamId?: number | undefined;
  user?: string | undefined;
  /** What a person typed to name a device (uuid, prefix or name), before it was resolved. */
  ref?: string | undefined;
  /** A local connection's number in the CLI's log. */
  connection?: number | undefined;
  /** The part of a program that logs (e.g. heartbeat). */
  part?: string | undefined;
  nodeId?: string | undefined;
  /** What a guarded connection is (request, upgrade, connect). */
  kind?: string | undefined;
  // Where
  remoteAddress?: string | undefined;
  /** The local peer of a forwarded connection, host:port. */
  from?: string | undefined;
  host?: string | undefined;
  port?: number | undefined;
  path?: string | undefined;
  url?: string | undefined;
  endpoint?: string | undefined;
  server?: string | undefined;
  /** How the agent reaches the server: direct, or through which proxy. */
  route?: string | undefined;
  /** How a user's stream came in: tunnel, proxy-command, connect, proxy-request, terminal. */
  via?: string | undefined;
  /** The load balancer a connection came through (its PROXY header named the client). */
  balancer?: string | undefined;
  dataDir?: string | undefined;
  /** Where the registry and presence live (sqlite, or the URL with its password masked). */
  registry?: string | undefined;
  presence?: string | undefined;
  /** host:port where a cluster node takes links from the other nodes. */
  link?: string | undefined;
  tls?: string | undefined;
  /** Whether the listener expects a PROXY protocol header (off, v1, v2, any). */
  proxyProtocol?: string | undefined;
  // Outcome
  code?: string | undefined;
  /** A WebSocket close code (1000, 1012, 4401...). */
  closeCode?: number | undefined;
  err?: Error | undefined;
  reason?: string | undefined;
  result?: string | undefined;
  /** Facts behind a failure (dates, issuer, proxy reply), as the error's `details` carries them. */
  details?: Readonly<Record<string, unknown>> | undefined;
  auditId?: number | undefined;
  // Device state
  agentVersion?: string | undefined;
  clockOffsetMs?: number | undefined;
  /** The server's clock as the device measured it, ISO 8601. */
  serverTime?: string | undefined;
  wasCurrent?: boolean | undefined;
  /** The device's TLS channel is the one the server sees (tls-exporter values match): no box terminated TLS between them. */
  endToEnd?: boolean | undefined;
  /** The session runs through the authenticated encryption layer above TLS. */
  secureLayer?: boolean | undefined;
  reconnected?: boolean | undefined;
  drain?: boolean | undefined;
  devices?: number | undefined;
  /** Connections refused, or not yet authenticated, by the pre-authentication gate. */
  refused?: number | undefined;
  unauthenticated?: number | undefined;
  /** Audit entries touched at once. */
  entries?: number | undefined;
  signal?: string | undefined;
  // Amounts and times
  bytesUp?: number | undefined;
  bytesDown?: number | undefined;
  durationMs?: number | undefined;
  lastedMs?: number | undefined;
  retryInMs?: number | undefined;
  nextInMs?: number | undefined;
  attempt?: number | undefined;
  intervalMs?: number | undefined;
  freshForMs?: number | undefined;
  graceMs?: number | undefined;
  windowMs?: number | undefined;
  timeoutMs?: number | undefined;
}

/** The schema's names at run time, for tests that read real log lines. */
export const LOG_FIELDS: readonly (keyof LogFields)[] = Object.keys({
  uuid: 0, sessionId: 0, oldSessionId: 0, streamId: 0, user: 0, ref: 0, connection: 0, part: 0, nodeId: 0, kind: 0,
  remoteAddress: 0, from: 0, host: 0, port: 0, path: 0, url: 0, endpoint: 0, server: 0, route: 0, via: 0, balancer: 0, dataDir: 0, registry: 0, presence: 0, link: 0, tls: 0, proxyProtocol: 0,
  code: 0, closeCode: 0, err: 0, reason: 0, result: 0, details: 0, auditId: 0,
  agentVersion: 0, clockOffsetMs: 0, serverTime: 0, wasCurrent: 0, endToEnd: 0, secureLayer: 0, reconnected: 0, drain: 0, devices: 0, refused: 0, unauthenticated: 0, entries: 0, signal: 0,
  bytesUp: 0, bytesDown: 0, durationMs: 0, lastedMs: 0, retryInMs: 0, nextInMs: 0, attempt: 0, intervalMs: 0, freshForMs: 0, graceMs: 0, windowMs: 0, timeoutMs: 0,
} satisfies Record<keyof LogFields, 0>) as (keyof LogFields)[];

/** Fields pino writes itself on every line. */
export const PINO_FIELDS: readonly string[] = ['level', 'time', 'pid', 'hostname', 'name', 'msg'];

/** An unknown thrown value as an Error, so it is logged with a stack (a thrown string has none). */
export function asError(thrown: unknown): Error {
  return thrown instanceof Error ? thrown : new Error(String(thrown));
}
