import { AuthError, AuthErrorCode } from './auth-errors.js';

/**
 * The device handshake, exchanged as JSON text messages on the WebSocket before it becomes a
 * byte pipe for yamux:
 *
 *   device -> server  hello      uuid, device nonce, agent version
 *   server -> device  challenge  server nonce, session id, server key, server signature
 *   device -> server  proof      device signature, clock offset
 *   server -> device  welcome    (or error with a stable code)
 *
 * Both signatures cover the same transcript (both nonces, the uuid, the session id, the server
 * key), so a recorded handshake cannot be replayed (the next server nonce differs) and a relay
 * that can read everything (a TLS-inspecting box the device was told to trust) learns only
 * signatures, never the device key, and cannot answer the device's nonce as the server.
 */

export const DEVICE_AUTH_VERSION = 1;

export interface HelloMessage {
  type: 'hello';
  v: number;
  uuid: string;
  nonce: string;
  agentVersion: string;
  /**
   * A connection test (diagnose): the server authenticates it and answers pings, but it never
   * replaces the device's session, routes no streams and changes no status.
   */
  probe?: true;
}

export interface ChallengeMessage {
  type: 'challenge';
  nonce: string;
  sessionId: string;
  serverKey: string;
  signature: string;
  /** Server clock (ms since epoch) when the challenge was made, for the device's offset estimate. */
  serverTime: number;
}

export interface ProofMessage {
  type: 'proof';
  signature: string;
  /** Device clock minus server clock, in ms, as the device estimated it. */
  clockOffsetMs: number;
}

export interface WelcomeMessage {
  type: 'welcome';
  sessionId: string;
}

export interface AuthErrorMessage {
  type: 'error';
  code: AuthErrorCode;
  message: string;
  retryAfterMs?: number;
}

export type ServerAuthMessage = ChallengeMessage | WelcomeMessage | AuthErrorMessage;

export interface TranscriptFields {
  uuid: string;
  deviceNonce: string;
  serverNonce: string;
  sessionId: string;
  serverKey: string;
}

/** The bytes each side signs; the role prefix keeps one side's signature useless as the other's. */
export function transcript(role: 'server' | 'device', f: TranscriptFields): Buffer {
  return Buffer.from(
    ['tunnel-device-auth', String(DEVICE_AUTH_VERSION), role, f.uuid, f.deviceNonce, f.serverNonce, f.sessionId, f.serverKey].join('\n'),
    'utf8',
  );
}

const UUID_RE = /^[0-9a-f]{32}$/;
const B64URL_RE = /^[A-Za-z0-9_-]{16,200}$/;

function fail(message: string): never {
  throw new AuthError(AuthErrorCode.Protocol, message);
}

function record(raw: unknown): Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) fail('handshake message is not a JSON object');
  return raw as Record<string, unknown>;
}

function str(r: Record<string, unknown>, key: string, re?: RegExp): string {
  const v = r[key];
  if (typeof v !== 'string' || (re && !re.test(v))) fail(`handshake field "${key}" is missing or malformed`);
  return v;
}

function num(r: Record<string, unknown>, key: string): number {
  const v = r[key];
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(`handshake field "${key}" must be a number`);
  return v;
}

export function parseJson(data: string): unknown {
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return fail('handshake message is not valid JSON');
  }
}

export function parseHello(raw: unknown): HelloMessage {
  const r = record(raw);
  if (r['type'] !== 'hello') fail(`expected a hello message, got ${JSON.stringify(r['type'])}`);
  if (r['v'] !== DEVICE_AUTH_VERSION) fail(`handshake version ${String(r['v'])} is not supported (this server speaks ${DEVICE_AUTH_VERSION})`);
  const agentVersion = typeof r['agentVersion'] === 'string' ? r['agentVersion'].slice(0, 64) : 'unknown';
  const hello: HelloMessage = { type: 'hello', v: DEVICE_AUTH_VERSION, uuid: str(r, 'uuid', UUID_RE), nonce: str(r, 'nonce', B64URL_RE), agentVersion };
  if (r['probe'] === true) hello.probe = true;
  return hello;
}

export function parseProof(raw: unknown): ProofMessage {
  const r = record(raw);
  if (r['type'] !== 'proof') fail(`expected a proof message, got ${JSON.stringify(r['type'])}`);
  const offset = r['clockOffsetMs'];
  return {
    type: 'proof',
    signature: str(r, 'signature', B64URL_RE),
    clockOffsetMs: typeof offset === 'number' && Number.isFinite(offset) ? offset : 0,
  };
}

export function parseServerMessage(raw: unknown): ServerAuthMessage {
  const r = record(raw);
  switch (r['type']) {
    case 'challenge':
      return {
        type: 'challenge',
        nonce: str(r, 'nonce', B64URL_RE),
        sessionId: str(r, 'sessionId'),
        serverKey: str(r, 'serverKey', B64URL_RE),
        signature: str(r, 'signature', B64URL_RE),
        serverTime: num(r, 'serverTime'),
      };
    case 'welcome':
      return { type: 'welcome', sessionId: str(r, 'sessionId') };
    case 'error': {
      const code = str(r, 'code') as AuthErrorCode;
      const retry = r['retryAfterMs'];
      const msg: AuthErrorMessage = { type: 'error', code, message: str(r, 'message') };
      if (typeof retry === 'number' && retry >= 0) msg.retryAfterMs = retry;
      return msg;
    }
    default:
      return fail(`unexpected handshake message ${JSON.stringify(r['type'])}`);
  }
}

/** Signs handshake transcripts with a private key; returns a base64url signature. */
export interface TranscriptSigner {
  readonly publicKey: string;
  sign(data: Buffer): string;
}

/** Checks a base64url signature over data against a base64url public key. */
export type SignatureCheck = (publicKey: string, data: Buffer, signature: string) => boolean;
