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
 *
 * Channel binding (agents that send `kx` in their hello; older ones get the transcript above):
 * the server adds the tls-exporter value of the TLS connection it sees and its own X25519 key
 * share, and both signatures also cover those and the device's share. The device compares the
 * exporter with its own: equal means no one terminated TLS between them (end to end); different
 * means a box did, and the device asks for the secure layer (`secure` in its proof, which its
 * signature covers too), keyed from the two shares, that the box can neither read nor forge.
 */

export const DEVICE_AUTH_VERSION = 1;

export interface HelloMessage {
  type: 'hello';
  v: number;
  uuid: string;
  nonce: string;
  agentVersion: string;
  /** The device's X25519 key share; its presence asks for channel binding. */
  kx?: string;
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
  /** Channel binding, when the hello asked for it: the server's tls-exporter value and key share. */
  channel?: ServerChannel;
}

export interface ServerChannel {
  tlsExporter: string;
  kx: string;
}

export interface ProofMessage {
  type: 'proof';
  signature: string;
  /** Device clock minus server clock, in ms, as the device estimated it. */
  clockOffsetMs: number;
  /** With channel binding: the device saw a different TLS channel and everything after welcome goes through the secure layer. */
  secure?: boolean;
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
  /** Present when the session is bound to the server's TLS channel. */
  channel?: ChannelFields;
  /**
   * A connection test (HelloMessage.probe), signed by both sides: a box that strips the flag (so
   * the test would replace the device's session) or adds it (so the agent's session would not
   * count) breaks the signatures instead.
   */
  probe?: boolean;
}

export interface ChannelFields {
  /** The tls-exporter value of the server's TLS connection, as the server reported it. */
  tlsExporter: string;
  deviceKx: string;
  serverKx: string;
  /** The device's choice, in its own transcript only: the secure layer or plain TLS. */
  secure?: boolean;
}

/** The bytes each side signs; the role prefix keeps one side's signature useless as the other's. */
export function transcript(role: 'server' | 'device', f: TranscriptFields): Buffer {
  const lines = ['tunnel-device-auth', String(DEVICE_AUTH_VERSION), role, f.uuid, f.deviceNonce, f.serverNonce, f.sessionId, f.serverKey];
  const c = f.channel;
  if (c) {
    lines.push('channel-binding', c.tlsExporter, c.deviceKx, c.serverKx);
    if (role === 'device') lines.push(c.secure ? 'secure-layer' : 'tls');
  }
  if (f.probe) lines.push('probe');
  return Buffer.from(lines.join('\n'), 'utf8');
}

const UUID_RE = /^[0-9a-f]{32}$/;
const B64URL_RE = /^[A-Za-z0-9_-]{16,200}$/;
/** 32 bytes in base64url: an X25519 key share or a tls-exporter value. */
const KEY_SHARE_RE = /^[A-Za-z0-9_-]{43}$/;

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
  if (r['kx'] !== undefined) hello.kx = str(r, 'kx', KEY_SHARE_RE);
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
    secure: r['secure'] === true,
  };
}

export function parseServerMessage(raw: unknown): ServerAuthMessage {
  const r = record(raw);
  switch (r['type']) {
    case 'challenge': {
      const challenge: ChallengeMessage = {
        type: 'challenge',
        nonce: str(r, 'nonce', B64URL_RE),
        sessionId: str(r, 'sessionId'),
        serverKey: str(r, 'serverKey', B64URL_RE),
        signature: str(r, 'signature', B64URL_RE),
        serverTime: num(r, 'serverTime'),
      };
      if (r['channel'] !== undefined) {
        const c = record(r['channel']);
        challenge.channel = { tlsExporter: str(c, 'tlsExporter', KEY_SHARE_RE), kx: str(c, 'kx', KEY_SHARE_RE) };
      }
      return challenge;
    }
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
