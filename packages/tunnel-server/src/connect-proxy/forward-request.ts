import http, { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import { type Logger } from '@tunnel/protocol/log';
import { deviceRefFromHost, OPEN_REFUSALS, OpenError, OpenResult } from '@tunnel/protocol/tunnel';
import type { DeviceStreamOpener, OpenedDeviceStream } from '../forwarding/device-stream-opener.js';
import { sendError } from '../http/router.js';
import type { UserRecord } from '../registry/types.js';
import { authRejection } from '../users/auth-rejection.js';
import { proxyBasicToken } from '../users/token-headers.js';
import { UserAuthError, type UserAuthenticator } from '../users/user-authenticator.js';
import { ConnectProxyErrorCode } from './connect-errors.js';
import { TARGET_HOST_HEADER, targetHost } from './target-host.js';

export interface ForwardRequestDeps {
  authenticator: UserAuthenticator;
  opener: DeviceStreamOpener;
  log: Logger;
}

/** Headers that describe one hop, never the request itself (RFC 9110 7.6.1), plus our credentials and target. */
const HOP_BY_HOP = new Set([
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  TARGET_HOST_HEADER,
]);

function endToEnd(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  return out;
}

/**
 * Plain HTTP proxying, for clients that send `GET http://<device>.balena:8080/path` to a proxy
 * instead of tunnelling with CONNECT (curl does unless given --proxytunnel). Each request goes
 * over its own stream to the device, with the same token, checks and audit as CONNECT.
 */
export class ForwardRequestProxy {
  constructor(private readonly deps: ForwardRequestDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '');
    const device = deviceRefFromHost(url.hostname);
    if (device === undefined) {
      sendError(res, 400, ConnectProxyErrorCode.BadTarget, `only http://<device>.balena[:port]/ and http://<device>.vpn[:port]/ are forwarded, not ${url.host}`);
      return;
    }
    let host: string;
    try {
      host = targetHost(req.headers);
    } catch (err) {
      sendError(res, 400, ConnectProxyErrorCode.BadTarget, (err as Error).message);
      return;
    }
    const remoteAddress = req.socket.remoteAddress ?? 'unknown';
    const token = proxyBasicToken(req.headers);
    let user: UserRecord;
    try {
      user = await this.deps.authenticator.authenticate(token, remoteAddress, 'send the API token as the proxy password (curl --proxy-user x:TOKEN)');
    } catch (err) {
      if (!(err instanceof UserAuthError)) throw err;
      const rejection = authRejection(err, 'proxy');
      sendError(res, rejection.status, rejection.code, rejection.message, rejection.headers);
      return;
    }
    let opened: OpenedDeviceStream;
    try {
      opened = await this.deps.opener.open(user, token ?? '', { device, host, port: Number(url.port || 80) }, { via: 'proxy-request', remoteAddress });
    } catch (err) {
      const refusal = err instanceof OpenError ? err : new OpenError(OpenResult.ServerError, (err as Error).message);
      sendError(res, OPEN_REFUSALS[refusal.result].httpStatus, refusal.code, refusal.message);
      return;
    }
    this.relay(req, res, url, opened);
  }

  private relay(req: IncomingMessage, res: ServerResponse, url: URL, opened: OpenedDeviceStream): void {
    const started = Date.now();
    let bytesUp = 0;
    let bytesDown = 0;
    let failure: Error | undefined;
    const upstream = http.request({
      createConnection: () => opened.stream,
      method: req.method,
      path: `${url.pathname}${url.search}`,
      headers: { ...endToEnd(req.headers), host: url.host, connection: 'close' },
    });
    const fail = (err: Error): void => {
      failure ??= err;
      if (!res.headersSent) sendError(res, 502, ConnectProxyErrorCode.ForwardFailed, `the device's server broke off the exchange: ${err.message}`);
      else res.destroy(err);
      opened.stream.destroy();
    };
    upstream.once('error', fail);
    upstream.once('response', (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.statusMessage, endToEnd(answer.headers));
      answer.on('data', (c: Buffer) => (bytesDown += c.length));
      answer.once('error', fail);
      answer.pipe(res);
    });
    req.on('data', (c: Buffer) => (bytesUp += c.length));
    req.pipe(upstream);
    res.once('close', () => {
      opened.stream.destroy();
      opened.finished({ bytesUp, bytesDown, durationMs: Date.now() - started, ...(failure ? { error: failure } : {}) });
    });
  }
}
