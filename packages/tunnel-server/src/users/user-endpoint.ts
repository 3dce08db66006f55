import type { IncomingMessage } from 'node:http';
import { type Logger } from '@tunnel/protocol/log';
import { WebSocketDuplex } from '@tunnel/protocol/transport';
import { EarlyBytes, OpenError, OpenResult, StreamNoticeCode, TunnelSession } from '@tunnel/protocol/tunnel';
import { ACCESS_PATH_HEADER, PROXY_COMMAND_ACCESS } from '@tunnel/protocol/wire';
import { type YamuxConfig } from '@tunnel/protocol/yamux';
import type WebSocket from 'ws';
import { SessionAccessCache } from '../access/session-access-cache.js';
import type { DeviceStreamOpener } from '../forwarding/device-stream-opener.js';
import type { Registry, UserRecord } from '../registry/types.js';
import { Tally } from '../connections/tally.js';
import { HttpError } from '../http/http-error.js';
import { bearerToken } from './token-headers.js';
import { UserSessionErrorCode } from './user-errors.js';

export interface UserEndpointDeps {
  registry: Registry;
  opener: DeviceStreamOpener;
  yamux: Partial<YamuxConfig>;
  log: Logger;
  /** Sessions one user may hold at once. */
  sessionLimit: number;
}

/**
 * Where the developer CLI's WebSocket lands, already authenticated (the token was checked
 * before the upgrade). One tunnel session per CLI process; each stream it opens is one
 * forwarded connection to a device.
 */
export class UserEndpoint {
  /** Open sessions per user name. */
  private readonly held = new Tally();

  constructor(private readonly deps: UserEndpointDeps) {}

  /** Before the upgrade: a user at the session limit gets 429, not a session. */
  admit(user: UserRecord): UserRecord {
    const held = this.held.get(user.name);
    if (held >= this.deps.sessionLimit) {
      throw new HttpError(429, UserSessionErrorCode.SessionLimit, `${user.name} already holds ${held} tunnel sessions, the most one user may (--user-session-limit ${this.deps.sessionLimit}); end one first`);
    }
    return user;
  }

  accept(ws: WebSocket, req: IncomingMessage, user: UserRecord): void {
    const remoteAddress = req.socket.remoteAddress ?? 'unknown';
    const token = bearerToken(req.headers) ?? '';
    const via = req.headers[ACCESS_PATH_HEADER] === PROXY_COMMAND_ACCESS ? 'proxy-command' : 'tunnel';
    const log = this.deps.log.child({ user: user.name, remoteAddress });
    ws.on('error', (err) => log.debug({ err }, 'user websocket error'));
    const session = new TunnelSession(new WebSocketDuplex(ws), { role: 'server', yamux: this.deps.yamux, logger: log });
    const access = new SessionAccessCache(this.deps.registry, token);
    session.serve(async (request, stream) => {
      // A session can outlive its token (rotated, user removed): each new stream asks again (the
      // cache reads again once anything changed), and a session whose token died is ended so the
      // CLI reconnects and hears 401.
      const current = await access.authenticate();
      if (current === null) {
        setImmediate(() => session.close());
        throw new OpenError(OpenResult.AccessDenied, 'access denied: your API token was rotated or your user removed; log in again');
      }
      // The reason goes ahead of the reset, or the CLI could only say "reset by the peer".
      const tell = (reason: string): void => session.sendNotice({ streamId: stream.id, code: StreamNoticeCode.AccessEnded, message: `access ended: ${reason}` });
      const early = new EarlyBytes(stream);
      const opened = await this.deps.opener.open(current, token, request, { via, remoteAddress }, { onRevoked: tell, early, access });
      return {
        stream: opened.stream,
        onFinished: (r) => opened.finished({ bytesUp: early.bytes + r.bytesAtoB, bytesDown: r.bytesBtoA, durationMs: r.durationMs, ...(r.error ? { error: r.error } : {}) }),
      };
    });
    this.held.add(user.name);
    log.info('user session started');
    session.once('close', (err) => {
      this.held.remove(user.name);
      log.info({ reason: err?.code ?? 'closed' }, 'user session ended');
    });
  }
}
