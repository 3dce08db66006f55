import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import {
  AuthError,
  AuthErrorCode,
  DEVICE_AUTH_VERSION,
  parseJson,
  parseServerMessage,
  transcript,
  type HelloMessage,
  type ProofMessage,
  type SignatureCheck,
  type TranscriptFields,
  type TranscriptSigner,
} from '@tunnel/protocol/auth';
import { createKeyShare, deriveSessionKeys, SecureDuplex, type SessionKeys } from '@tunnel/protocol/channel';
import { WebSocketDuplex } from '@tunnel/protocol/transport';
import { AuthCloseCode } from '@tunnel/protocol/wire';
import type WebSocket from 'ws';

export interface DeviceHandshakeParams {
  uuid: string;
  /** Signs with the key derived from deviceApiKey; the key itself never leaves the device. */
  signer: TranscriptSigner;
  /** The server identity key from config.json; a server that cannot sign with it is refused. */
  pinnedServerKey: string;
  verify: SignatureCheck;
  agentVersion: string;
  timeoutMs: number;
  /** The tls-exporter value of our TLS connection (tlsExporter()), to compare with the server's. */
  tlsExporter: string;
  /** Test the connection without disturbing the device's session (see HelloMessage.probe). */
  probe?: boolean;
}

export interface DeviceHandshakeResult {
  sessionId: string;
  /**
   * What the tunnel session runs on, attached before any of its bytes could arrive: the WebSocket
   * as a byte pipe, or the secure layer over it.
   */
  channel: Duplex;
  /** The server saw the same TLS connection we did: nothing terminated TLS in between. */
  endToEnd: boolean;
  /** A box terminated TLS between us, so everything runs through the secure layer. */
  secureLayer: boolean;
  /** Device clock minus server clock, in ms (from the challenge's server time and the round trip). */
  clockOffsetMs: number;
}

/** The device's half of the handshake described in device-auth-messages.ts. */
export function deviceHandshake(ws: WebSocket, params: DeviceHandshakeParams): Promise<DeviceHandshakeResult> {
  return new Promise((resolve, reject) => {
    const deviceNonce = randomBytes(32).toString('base64url');
    const keyShare = createKeyShare();
    let keys: SessionKeys | undefined;
    let endToEnd = false;
    let sentAt = 0;
    let sessionId = '';
    let clockOffsetMs = 0;
    const timer = setTimeout(
      () => fail(new AuthError(AuthErrorCode.Timeout, `the server did not complete authentication within ${params.timeoutMs} ms`)),
      params.timeoutMs,
    );

    const onMessage = (data: Buffer, isBinary: boolean): void => {
      try {
        if (isBinary) throw new AuthError(AuthErrorCode.Protocol, 'binary data before authentication completed');
        const msg = parseServerMessage(parseJson(data.toString('utf8')));
        switch (msg.type) {
          case 'challenge': {
            if (msg.serverKey !== params.pinnedServerKey) {
              throw new AuthError(
                AuthErrorCode.ServerIdentity,
                `the server presented identity key ${msg.serverKey}, not the pinned ${params.pinnedServerKey}: ` +
                  'this is not our server, or something between us is posing as it',
              );
            }
            if (!msg.channel) {
              // Without it a box that terminates TLS could read and inject streams unseen; stripping it must not be a way around that.
              throw new AuthError(
                AuthErrorCode.ChannelUnbound,
                'the server did not bind the session to its TLS channel: it runs a version older than this agent (upgrade the server), ' +
                  'or something between us removed the binding',
              );
            }
            const channel = { tlsExporter: msg.channel.tlsExporter, deviceKx: keyShare.publicKey, serverKx: msg.channel.kx };
            const fields: TranscriptFields = { uuid: params.uuid, deviceNonce, serverNonce: msg.nonce, sessionId: msg.sessionId, serverKey: msg.serverKey, channel, ...(params.probe ? { probe: true } : {}) };
            const serverTranscript = transcript('server', fields);
            if (!params.verify(msg.serverKey, serverTranscript, msg.signature)) {
              throw new AuthError(AuthErrorCode.ServerIdentity, 'the server could not prove it holds its identity key: something between us is posing as it');
            }
            // The signature proves this is the exporter of the server's TLS connection; a box that terminated ours has a different one.
            endToEnd = msg.channel.tlsExporter === params.tlsExporter;
            if (!endToEnd) keys = deriveSessionKeys(keyShare, msg.channel.kx, serverTranscript, 'device');
            const receivedAt = Date.now();
            clockOffsetMs = Math.round((sentAt + receivedAt) / 2 - msg.serverTime);
            sessionId = msg.sessionId;
            const signed = transcript('device', { ...fields, channel: { ...channel, secure: !endToEnd } });
            const proof: ProofMessage = { type: 'proof', signature: params.signer.sign(signed), clockOffsetMs, secure: !endToEnd };
            ws.send(JSON.stringify(proof));
            return;
          }
          case 'welcome': {
            if (!sessionId) throw new AuthError(AuthErrorCode.Protocol, 'welcome before challenge');
            // Attach the byte pipe now, synchronously: yamux frames may follow in the same read.
            cleanup();
            const transport = new WebSocketDuplex(ws);
            const channel = keys ? new SecureDuplex(transport, keys) : transport;
            resolve({ sessionId, channel, clockOffsetMs, endToEnd, secureLayer: keys !== undefined });
            return;
          }
          case 'error':
            throw new AuthError(msg.code, msg.message, msg.retryAfterMs);
        }
      } catch (err) {
        fail(err instanceof AuthError ? err : new AuthError(AuthErrorCode.Protocol, (err as Error).message));
      }
    };
    const onClose = (code: number, reason: Buffer): void => {
      const why = reason.length ? `: ${reason.toString()}` : '';
      fail(new AuthError(AuthErrorCode.Closed, `the server closed the connection during authentication (code ${code}${why})`));
    };
    const onError = (err: Error): void => fail(new AuthError(AuthErrorCode.Closed, `connection failed during authentication: ${err.message}`));

    function cleanup(): void {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
      ws.off('error', onError);
    }
    function fail(err: AuthError): void {
      cleanup();
      if (ws.readyState === ws.OPEN) ws.close(AuthCloseCode.Protocol, err.code);
      reject(err);
    }

    ws.on('message', onMessage);
    ws.once('close', onClose);
    ws.once('error', onError);
    const hello: HelloMessage = {
      type: 'hello',
      v: DEVICE_AUTH_VERSION,
      uuid: params.uuid,
      nonce: deviceNonce,
      agentVersion: params.agentVersion,
      kx: keyShare.publicKey,
    };
    if (params.probe) hello.probe = true;
    sentAt = Date.now();
    ws.send(JSON.stringify(hello));
  });
}
