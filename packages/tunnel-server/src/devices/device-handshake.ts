import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import {
  AuthError,
  AuthErrorCode,
  parseHello,
  parseJson,
  parseProof,
  transcript,
  type AuthErrorMessage,
  type ChallengeMessage,
  type ChannelFields,
  type HelloMessage,
  type ProofMessage,
  type SignatureCheck,
  type TranscriptFields,
  type TranscriptSigner,
  type WelcomeMessage,
} from '@tunnel/protocol/auth';
import { createKeyShare, deriveSessionKeys, SecureDuplex, type KeyShare } from '@tunnel/protocol/channel';
import { WebSocketDuplex } from '@tunnel/protocol/transport';
import { AuthCloseCode } from '@tunnel/protocol/wire';
import type WebSocket from 'ws';
import { deviceSubject, type AuthLimits } from '../auth/auth-limits.js';
import { storeOutage } from '../store-outage.js';

export interface DeviceHandshakeDeps {
  /** The device's registered public key, or null for an unknown uuid. */
  deviceKey(uuid: string): Promise<string | null>;
  identity: TranscriptSigner;
  verify: SignatureCheck;
  limits: AuthLimits;
  /** Failed attempts are answered after this delay, so guessing is slow; others are not held up. */
  failureDelayMs: number;
  timeoutMs: number;
  /** After the proof checks out: a refusal that keeps this device out anyway (a duplicate agent), if any. */
  admit?(uuid: string): Promise<AuthError | undefined>;
}

export interface AuthenticatedDevice {
  uuid: string;
  sessionId: string;
  agentVersion: string;
  clockOffsetMs: number;
  remoteAddress: string;
  /** The WebSocket as a byte pipe; its close code and reason are set here. */
  transport: WebSocketDuplex;
  /** What the tunnel session runs on: the transport, or the secure layer over it. */
  channel: Duplex;
  /** The device asked for the secure layer: its TLS channel is not the one this server sees. */
  secureLayer: boolean;
  /** A connection test: not to be registered as the device's session (see HelloMessage.probe). */
  probe: boolean;
}

/** Why a device was turned away, for logs and the device's status page: the AuthError it was told, and who it was. */
export class DeviceRejectedError extends AuthError {
  constructor(
    error: AuthError,
    /** Undefined when the device was refused before it said who it is. */
    readonly uuid: string | undefined,
    readonly remoteAddress: string,
  ) {
    super(error.code, error.message, error.retryAfterMs);
  }
}

/**
 * The server's half of the device handshake (see device-auth-messages.ts). Resolves with the
 * authenticated device and its byte pipe, or rejects with DeviceRejectedError after telling the device
 * why and closing the WebSocket.
 */
export function acceptDeviceHandshake(
  ws: WebSocket,
  /** Who connected, and the tls-exporter value of the TLS connection this server sees (absent without TLS). */
  peer: { remoteAddress: string; tlsExporter: string | undefined },
  deps: DeviceHandshakeDeps,
): Promise<AuthenticatedDevice> {
  const { remoteAddress } = peer;
  return new Promise((resolve, reject) => {
    let hello: HelloMessage | null = null;
    let challenge: ChallengeMessage | null = null;
    let fields: TranscriptFields | null = null;
    let keyShare: KeyShare | null = null;
    let deviceKey = '';
    let busy = false;
    let done = false;
    const timer = setTimeout(() => refuse(new AuthError(AuthErrorCode.Timeout, `authentication did not complete within ${deps.timeoutMs} ms`), false), deps.timeoutMs);

    const onMessage = (data: Buffer, isBinary: boolean): void => {
      if (done || busy) return;
      try {
        if (isBinary) throw new AuthError(AuthErrorCode.Protocol, 'binary data before authentication completed');
        const raw = parseJson(data.toString('utf8'));
        if (hello === null) {
          hello = parseHello(raw);
          busy = true;
          void onHello(hello);
        } else if (challenge !== null && fields !== null) {
          onProof(hello, challenge, fields, parseProof(raw));
        }
      } catch (err) {
        refuse(err instanceof AuthError ? err : new AuthError(AuthErrorCode.Protocol, (err as Error).message), false);
      }
    };

    async function onHello(h: HelloMessage): Promise<void> {
      // No per-uuid refusal here: whoever knows the uuid could then hold the device offline.
      // The proof is checked first; only a wrong one counts, against its source.
      let key: string | null;
      try {
        key = await deps.deviceKey(h.uuid);
      } catch (err) {
        const outage = storeOutage(err);
        refuse(outage ? new AuthError(AuthErrorCode.ServerUnavailable, outage.message) : new AuthError(AuthErrorCode.Protocol, `the server could not look up the device: ${(err as Error).message}`), false);
        return;
      }
      if (done) return;
      if (key === null) {
        refuse(
          new AuthError(AuthErrorCode.UnknownDevice, `device ${h.uuid} is not registered on this server (removed, or its config.json belongs to another server)`),
          true,
        );
        return;
      }
      deviceKey = key;
      const sessionId = randomBytes(12).toString('hex');
      const nonce = randomBytes(32).toString('base64url');
      const serverKey = deps.identity.publicKey;
      fields = { uuid: h.uuid, deviceNonce: h.nonce, serverNonce: nonce, sessionId, serverKey, ...(h.probe ? { probe: true } : {}) };
      // Agents that know channel binding ask for it with their key share; older ones get the old transcript.
      if (h.kx !== undefined && peer.tlsExporter !== undefined) {
        keyShare = createKeyShare();
        fields.channel = { tlsExporter: peer.tlsExporter, deviceKx: h.kx, serverKx: keyShare.publicKey };
      }
      challenge = {
        type: 'challenge',
        nonce,
        sessionId,
        serverKey,
        signature: deps.identity.sign(transcript('server', fields)),
        serverTime: Date.now(),
      };
      if (fields.channel) challenge.channel = { tlsExporter: fields.channel.tlsExporter, kx: fields.channel.serverKx };
      busy = false;
      ws.send(JSON.stringify(challenge));
    }

    function onProof(h: HelloMessage, c: ChallengeMessage, signed: TranscriptFields, proof: ProofMessage): void {
      const asked = (secure: boolean): ChannelFields | undefined => signed.channel && { ...signed.channel, secure };
      const proves = (channel: ChannelFields | undefined): boolean =>
        deps.verify(deviceKey, transcript('device', { ...signed, ...(channel ? { channel } : {}) }), proof.signature);
      const channel = asked(proof.secure === true);
      if (!proves(channel)) {
        if (channel && proves(asked(!channel.secure))) {
          // The right key, but its choice of layer was flipped on the way: the network, not the device, is at fault.
          refuse(new AuthError(AuthErrorCode.Protocol, `the proof of device ${h.uuid} was altered in transit (its secure-layer choice): something between it and the server rewrites the handshake`), false);
          return;
        }
        refuse(
          new AuthError(AuthErrorCode.BadKey, `device ${h.uuid} proved a different key than the one registered: its config.json deviceApiKey is wrong or outdated`),
          true,
        );
        return;
      }
      let secured: ((transport: WebSocketDuplex) => Duplex) | undefined;
      if (channel?.secure && keyShare) {
        try {
          const keys = deriveSessionKeys(keyShare, channel.deviceKx, transcript('server', signed), 'server');
          secured = (transport) => new SecureDuplex(transport, keys);
        } catch (err) {
          refuse(new AuthError(AuthErrorCode.Protocol, (err as Error).message), false);
          return;
        }
      }
      deps.limits.recordSuccess(deviceSubject(h.uuid));
      busy = true;
      // A probe replaces nothing, so there is nothing for admit() to refuse.
      void ((h.probe ? undefined : deps.admit?.(h.uuid)) ?? Promise.resolve(undefined)).then(
        (refusal) => (refusal ? refuse(refusal, false) : welcome(h, c, proof.clockOffsetMs, secured)),
        (err: Error) => refuse(new AuthError(AuthErrorCode.Protocol, `the server could not check the device's other sessions: ${err.message}`), false),
      );
    }

    function welcome(h: HelloMessage, c: ChallengeMessage, clockOffsetMs: number, secured: ((transport: WebSocketDuplex) => Duplex) | undefined): void {
      if (done) return;
      finish();
      const welcome: WelcomeMessage = { type: 'welcome', sessionId: c.sessionId };
      ws.send(JSON.stringify(welcome));
      // Attached now, synchronously: the device's first records may follow in the same read.
      const transport = new WebSocketDuplex(ws);
      resolve({
        uuid: h.uuid,
        sessionId: c.sessionId,
        agentVersion: h.agentVersion,
        clockOffsetMs,
        remoteAddress,
        transport,
        channel: secured ? secured(transport) : transport,
        secureLayer: secured !== undefined,
        probe: h.probe === true,
      });
    }

    const onClose = (): void => {
      if (!done) refuse(new AuthError(AuthErrorCode.Closed, 'the device closed the connection during authentication'), false, false);
    };

    function finish(): void {
      done = true;
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
    }

    /** Tells the device why, after a delay for wrong credentials, and closes. */
    function refuse(error: AuthError, countsAsFailure: boolean, tell = true): void {
      if (done) return;
      finish();
      const uuid = hello?.uuid;
      if (countsAsFailure) {
        deps.limits.recordFailure(remoteAddress, uuid ? deviceSubject(uuid) : undefined);
      }
      reject(new DeviceRejectedError(error, uuid, remoteAddress));
      if (!tell) return;
      const send = (): void => {
        if (ws.readyState !== ws.OPEN) return;
        const msg: AuthErrorMessage = { type: 'error', code: error.code, message: error.message };
        if (error.retryAfterMs !== undefined) msg.retryAfterMs = error.retryAfterMs;
        ws.send(JSON.stringify(msg));
        ws.close(closeCodeFor(error), error.code);
      };
      if (countsAsFailure) setTimeout(send, deps.failureDelayMs).unref();
      else send();
    }

    ws.on('message', onMessage);
    ws.once('close', onClose);
    const sourceWait = deps.limits.sourceRetryAfter(remoteAddress);
    if (sourceWait > 0) refuse(rateLimited(`too many failed authentications from ${remoteAddress}`, sourceWait), false);
  });
}

function rateLimited(what: string, retryAfterMs: number): AuthError {
  return new AuthError(AuthErrorCode.RateLimited, `${what}; retry in ${Math.ceil(retryAfterMs / 1000)} s`, retryAfterMs);
}

function closeCodeFor(error: AuthError): number {
  if (error.code === AuthErrorCode.RateLimited) return AuthCloseCode.RateLimited;
  if (error.code === AuthErrorCode.DuplicateDevice) return AuthCloseCode.Duplicate;
  if (error.code === AuthErrorCode.Protocol || error.code === AuthErrorCode.Timeout || error.code === AuthErrorCode.ServerUnavailable) return AuthCloseCode.Protocol;
  return AuthCloseCode.Rejected;
}
