import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { errorCode } from '@tunnel/protocol/errors';
import { type Logger } from '@tunnel/protocol/log';
import { joinStreams, OPEN_REFUSALS, OpenError, OpenResult } from '@tunnel/protocol/tunnel';
import type { DeviceStreamOpener } from '../forwarding/device-stream-opener.js';
import { failureAnswer } from '../http/failure-answer.js';
import { writeRawError } from '../http/raw-response.js';
import type { UserRecord } from '../registry/types.js';
import { proxyBasicToken } from '../users/token-headers.js';
import { authRejection } from '../users/auth-rejection.js';
import { UserAuthError, type UserAuthenticator } from '../users/user-authenticator.js';
import { parseConnectTarget, type ConnectTarget } from './connect-target.js';
import { targetHost } from './target-host.js';
import { ConnectProxyErrorCode } from './connect-errors.js';

export interface ConnectProxyDeps {
  authenticator: UserAuthenticator;
  opener: DeviceStreamOpener;
  log: Logger;
  /** Told when a CONNECT's token was accepted (the connection then leaves the pre-auth limits). */
  authenticated?: (req: IncomingMessage) => void;
}

const TOKEN_HINT = 'send the API token as the Proxy-Authorization password (curl --proxy-user x:TOKEN)';

/**
 * HTTP CONNECT on the server's listener, so curl, ssh and socat reach a device without our CLI:
 * `CONNECT <device>.balena:<port>` with the token as the Basic password (and a Tunnel-Target header
 * for a host on the device's network). Answers 200 and then
 * carries raw bytes; refusals get the status of their cause and a JSON body with its code.
 */
export class ConnectProxy {
  constructor(private readonly deps: ConnectProxyDeps) {}

  handle(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // https hands CONNECT sockets over with allowHalfOpen off: the client's FIN would end our
    // side too, and the device's answer to `printf x | nc`-style requests would be lost.
    socket.allowHalfOpen = true;
    socket.on('error', (err) => this.deps.log.debug({ err }, 'CONNECT socket error'));
    this.serve(req, socket, head).catch((err: Error) => {
      this.deps.log.error({ err }, 'CONNECT failed');
      const answer = failureAnswer(err);
      writeRawError(socket, answer.status, answer.code, answer.message, answer.headers);
    });
  }

  private async serve(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const remoteAddress = req.socket.remoteAddress ?? 'unknown';
    const token = proxyBasicToken(req.headers);
    const user = await this.authenticate(token, socket, remoteAddress);
    if (!user) return;
    this.deps.authenticated?.(req);
    let target: ConnectTarget;
    let host: string;
    try {
      target = parseConnectTarget(req.url);
      host = targetHost(req.headers);
    } catch (err) {
      writeRawError(socket, 400, errorCode(err) ?? ConnectProxyErrorCode.BadTarget, (err as Error).message);
      return;
    }
    let opened;
    try {
      opened = await this.deps.opener.open(user, token ?? '', { device: target.device, host, port: target.port }, { via: 'connect', remoteAddress });
    } catch (err) {
      const refusal = err instanceof OpenError ? err : new OpenError(OpenResult.ServerError, (err as Error).message);
      writeRawError(socket, OPEN_REFUSALS[refusal.result].httpStatus, refusal.code, refusal.message);
      return;
    }
    if (socket.destroyed) {
      opened.stream.destroy();
      opened.finished({ bytesUp: 0, bytesDown: 0, durationMs: 0, error: new Error('the client went away before the device answered') });
      return;
    }
    // The 200 goes out before any device byte: join() only starts piping after this write, and
    // what the device already sent (an SSH banner) waits in its stream until then.
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    // Bytes the client sent right behind its CONNECT header belong to the device.
    if (head.length > 0) socket.unshift(head);
    const r = await joinStreams(socket, opened.stream, {
      onTeardownError: (err) => this.deps.log.error({ code: err.code, err, uuid: opened.device.uuid }, 'a CONNECT stream failed to tear down; both sides closed'),
    });
    opened.finished({ bytesUp: r.bytesAtoB, bytesDown: r.bytesBtoA, durationMs: r.durationMs, ...(r.error ? { error: r.error } : {}) });
  }

  private async authenticate(token: string | undefined, socket: Duplex, remoteAddress: string): Promise<UserRecord | undefined> {
    try {
      return await this.deps.authenticator.authenticate(token, remoteAddress, TOKEN_HINT);
    } catch (err) {
      if (!(err instanceof UserAuthError)) throw err;
      const rejection = authRejection(err, 'proxy');
      writeRawError(socket, rejection.status, rejection.code, rejection.message, rejection.headers);
      return undefined;
    }
  }
}
