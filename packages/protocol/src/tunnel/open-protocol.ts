import { CodedError } from '../errors.js';
import { openErrorCode } from './tunnel-errors.js';

/**
 * Results of opening a stream to a target, carried back before any payload. Each is distinct on
 * purpose: "nothing listens on 22222", "the device is offline" and "you may not" need different
 * fixes, and a user must never have to guess which one happened.
 */
export const OpenResult = {
  Ok: 'ok',
  DeviceOffline: 'device-offline',
  /** The device's session carries as many streams as it may (its stream budget is full). */
  DeviceBusy: 'device-busy',
  /** The device's session is ending (GoAway sent or received): it takes no new streams; retry shortly. */
  DeviceDraining: 'device-draining',
  /** The user holds as many streams as the server allows one person. */
  LimitReached: 'limit-reached',
  UnknownDevice: 'unknown-device',
  AccessDenied: 'access-denied',
  PortNotAllowed: 'port-not-allowed',
  ConnectionRefused: 'connection-refused',
  HostUnreachable: 'host-unreachable',
  TimedOut: 'timed-out',
  BadRequest: 'bad-request',
  ServerError: 'server-error',
} as const;

export type OpenResult = (typeof OpenResult)[keyof typeof OpenResult];

const openResults = new Set<string>(Object.values(OpenResult));

/** A refused open, as thrown by handlers and raised to openers. */
export class OpenError extends CodedError {
  readonly result: Exclude<OpenResult, 'ok'>;

  constructor(result: Exclude<OpenResult, 'ok'>, message: string) {
    super(openErrorCode(result), message);
    this.result = result;
  }
}

export interface OpenRequest {
  /** Device uuid (or name/prefix, resolved by the server); absent on the server-to-device hop. */
  device?: string;
  /** Target host as seen from the device; 127.0.0.1 when absent. */
  host: string;
  port: number;
  /**
   * Server nodes the request has already crossed (a relay between cluster nodes sets it). A node
   * never relays a request that has made CLUSTER_HOP_LIMIT hops, so a stale presence entry ends
   * as "offline" instead of a loop.
   */
  hops?: number;
  /**
   * A question to a peer server node over a cluster link instead of a stream to a target: the
   * answer is the stream's bytes (JSON), then its end. Host and port are then not used.
   */
  query?: PeerQuery;
}

/** What a cluster node may ask its peers. */
export const PeerQuery = {
  /** The streams of `device` this node carries now. */
  LiveStreams: 'live-streams',
} as const;

export type PeerQuery = (typeof PeerQuery)[keyof typeof PeerQuery];

const peerQueries = new Set<string>(Object.values(PeerQuery));

/** A request is relayed between server nodes at most this often. */
export const CLUSTER_HOP_LIMIT = 1;

export interface OpenResponse {
  result: OpenResult;
  message: string;
}

export const OPEN_PROTOCOL_VERSION = 1;

export function encodeOpenRequest(req: OpenRequest): object {
  return { v: OPEN_PROTOCOL_VERSION, ...req };
}

/** Validates a request from the wire; throws OpenError(bad-request) naming what is wrong. */
export function parseOpenRequest(raw: unknown): OpenRequest {
  if (typeof raw !== 'object' || raw === null) throw new OpenError(OpenResult.BadRequest, 'open request is not an object');
  const r = raw as Record<string, unknown>;
  if (r['v'] !== OPEN_PROTOCOL_VERSION) throw new OpenError(OpenResult.BadRequest, `open request version ${String(r['v'])} is not supported (expected ${OPEN_PROTOCOL_VERSION})`);
  const query = r['query'];
  if (query !== undefined && (typeof query !== 'string' || !peerQueries.has(query))) {
    throw new OpenError(OpenResult.BadRequest, `open request query ${JSON.stringify(query)} is not one this node answers (${[...peerQueries].join(', ')})`);
  }
  const port = query === undefined ? r['port'] : 0;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < (query === undefined ? 1 : 0) || port > 65535) {
    throw new OpenError(OpenResult.BadRequest, `open request port ${String(port)} is not a port number (1-65535)`);
  }
  const host = r['host'] ?? '127.0.0.1';
  if (typeof host !== 'string' || host.length === 0 || host.length > 253) {
    throw new OpenError(OpenResult.BadRequest, 'open request host must be a host name or address');
  }
  const device = r['device'];
  if (device !== undefined && (typeof device !== 'string' || device.length === 0 || device.length > 128)) {
    throw new OpenError(OpenResult.BadRequest, 'open request device must be a device uuid or name');
  }
  const hops = r['hops'];
  if (hops !== undefined && (typeof hops !== 'number' || !Number.isInteger(hops) || hops < 0 || hops > CLUSTER_HOP_LIMIT)) {
    throw new OpenError(OpenResult.BadRequest, `open request crossed ${String(hops)} server nodes; at most ${CLUSTER_HOP_LIMIT} relay hop is allowed`);
  }
  const request: OpenRequest = device === undefined ? { host, port } : { device, host, port };
  if (hops !== undefined) request.hops = hops;
  if (query !== undefined) request.query = query as PeerQuery;
  return request;
}

export function parseOpenResponse(raw: unknown): OpenResponse {
  const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
  const result = r['result'];
  if (typeof result !== 'string' || !openResults.has(result)) {
    throw new OpenError(OpenResult.ServerError, `peer answered the open request with an unknown result ${JSON.stringify(result)}`);
  }
  const message = typeof r['message'] === 'string' ? r['message'] : result;
  return { result: result as OpenResult, message };
}
