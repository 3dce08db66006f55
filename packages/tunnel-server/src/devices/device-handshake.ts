import { randomBytes } from 'node:crypto';
import {
  AuthError,
  AuthErrorCode,
  parseHello,
  parseJson,
  parseProof,
  transcript,
  type AuthErrorMessage,
  type ChallengeMessage,
  type HelloMessage,
  type SignatureCheck,
  type TranscriptSigner,
  type WelcomeMessage,
} from '@tunnel/protocol/auth';
import { WebSocketDuplex } from '@tunnel/protocol/transport';
import { AuthCloseCode } from '@tunnel/protocol/wire';
import type WebSocket from 'ws';
import { deviceSubject, type AuthLimits } from '../auth/auth-limits.js';

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
  transport: WebSocketDuplex;
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
export function acceptDeviceHandshake(ws: WebSocket, remoteAddress: string, deps: DeviceHandshakeDeps): Promise<AuthenticatedDevice> {
  return new Promise((resolve, reject) => {
    let hello: HelloMessage | null = null;
    let challenge: ChallengeMessage | null = null;
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
        } else if (challenge !== null) {
          onProof(hello, challenge, parseProof(raw));
        }
      } catch (err) {
        refuse(err instanceof AuthError ? err : new AuthError(AuthErrorCode.Protocol, (err as Error).message), false);
      }
    };

    async function onHello(h: HelloMessage): Promise<void> {
      const uuidWait = deps.limits.subjectRetryAfter(deviceSubject(h.uuid));
      if (uuidWait > 0) {
        refuse(rateLimited(`too many failed authentications for device ${h.uuid}`, uuidWait), false);
        return;
      }
      let key: string | null;
      try {
        key = await deps.deviceKey(h.uuid);
      } catch (err) {
        refuse(new AuthError(AuthErrorCode.Protocol, `the server could not look up the device: ${(err as Error).message}`), false);
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
      const fields = { uuid: h.uuid, deviceNonce: h.nonce, serverNonce: nonce, sessionId, serverKey };
      challenge = {
        type: 'challenge',
        nonce,
        sessionId,
        serverKey,
        signature: deps.identity.sign(transcript('server', fields)),
        serverTime: Date.now(),
      };
      busy = false;
      ws.send(JSON.stringify(challenge));
    }

    function onProof(h: HelloMessage, c: ChallengeMessage, proof: { signature: string; clockOffsetMs: number }): void {
      const fields = { uuid: h.uuid, deviceNonce: h.nonce, serverNonce: c.nonce, sessionId: c.sessionId, serverKey: c.serverKey };
      if (!deps.verify(deviceKey, transcript('device', fields), proof.signature)) {
        refuse(
          new AuthError(AuthErrorCode.BadKey, `device ${h.uuid} proved a different key than the one registered: its config.json deviceApiKey is wrong or outdated`),
          true,
        );
        return;
      }
      deps.limits.recordSuccess(deviceSubject(h.uuid));
      busy = true;
      // A probe replaces nothing, so there is nothing for admit() to refuse.
      void ((h.probe ? undefined : deps.admit?.(h.uuid)) ?? Promise.resolve(undefined)).then(
        (refusal) => (refusal ? refuse(refusal, false) : welcome(h, c, proof.clockOffsetMs)),
        (err: Error) => refuse(new AuthError(AuthErrorCode.Protocol, `the server could not check the device's other sessions: ${err.message}`), false),
      );
    }

    function welcome(h: HelloMessage, c: ChallengeMessage, clockOffsetMs: number): void {
      if (done) return;
      finish();
      const welcome: WelcomeMessage = { type: 'welcome', sessionId: c.sessionId };
      ws.send(JSON.stringify(welcome));
      resolve({
        uuid: h.uuid,
        sessionId: c.sessionId,
        agentVersion: h.agentVersion,
        clockOffsetMs,
        remoteAddress,
        transport: new WebSocketDuplex(ws),
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
  if (error.code === AuthErrorCode.Protocol || error.code === AuthErrorCode.Timeout) return AuthCloseCode.Protocol;
  return AuthCloseCode.Rejected;
}
