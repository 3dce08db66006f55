import { randomBytes } from 'node:crypto';
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
  type TranscriptSigner,
} from '@tunnel/protocol/auth';
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
  /** Test the connection without disturbing the device's session (see HelloMessage.probe). */
  probe?: boolean;
}

export interface DeviceHandshakeResult {
  sessionId: string;
  /** The WebSocket as a byte pipe, attached before any yamux byte could arrive. */
  transport: WebSocketDuplex;
  /** Device clock minus server clock, in ms (from the challenge's server time and the round trip). */
  clockOffsetMs: number;
}

/** The device's half of the handshake described in device-auth-messages.ts. */
export function deviceHandshake(ws: WebSocket, params: DeviceHandshakeParams): Promise<DeviceHandshakeResult> {
  return new Promise((resolve, reject) => {
    const deviceNonce = randomBytes(32).toString('base64url');
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
            const fields = { uuid: params.uuid, deviceNonce, serverNonce: msg.nonce, sessionId: msg.sessionId, serverKey: msg.serverKey };
            if (!params.verify(msg.serverKey, transcript('server', fields), msg.signature)) {
              throw new AuthError(AuthErrorCode.ServerIdentity, 'the server could not prove it holds its identity key: something between us is posing as it');
            }
            const receivedAt = Date.now();
            clockOffsetMs = Math.round((sentAt + receivedAt) / 2 - msg.serverTime);
            sessionId = msg.sessionId;
            const proof: ProofMessage = { type: 'proof', signature: params.signer.sign(transcript('device', fields)), clockOffsetMs };
            ws.send(JSON.stringify(proof));
            return;
          }
          case 'welcome': {
            if (!sessionId) throw new AuthError(AuthErrorCode.Protocol, 'welcome before challenge');
            // Attach the byte pipe now, synchronously: yamux frames may follow in the same read.
            cleanup();
            resolve({ sessionId, transport: new WebSocketDuplex(ws), clockOffsetMs });
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
    const hello: HelloMessage = { type: 'hello', v: DEVICE_AUTH_VERSION, uuid: params.uuid, nonce: deviceNonce, agentVersion: params.agentVersion };
    if (params.probe) hello.probe = true;
    sentAt = Date.now();
    ws.send(JSON.stringify(hello));
  });
}
