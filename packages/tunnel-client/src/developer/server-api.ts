import https from 'node:https';
import tls, { rootCertificates } from 'node:tls';
import { CodedError } from '@tunnel/protocol/errors';
import { proxiedCreateConnection } from '../net/proxied-create-connection.js';
import type { ServerConnection } from './connection-settings.js';
import { explainServerError } from './server-errors.js';
import { DeveloperErrorCode, httpStatusErrorCode } from './developer-errors.js';

/** A refusal from the JSON API, with the server's stable code and the HTTP status. */
export class ApiError extends CodedError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly body: Record<string, unknown>,
  ) {
    super(code, message);
  }
}

/** The trust for the server: system roots plus the CA from --ca, TUNNEL_CA or login. */
export function serverTrust(connection: ServerConnection): string[] {
  return [...rootCertificates, ...connection.ca];
}

export function serverTrustContext(connection: ServerConnection): tls.SecureContext {
  return tls.createSecureContext({ ca: serverTrust(connection), minVersion: 'TLSv1.2' });
}

/** GET a JSON document from the server's API with the token; non-2xx answers throw ApiError. */
export function getJson<T>(connection: ServerConnection, path: string, timeoutMs = 15_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, connection.server);
    const req = https.request(url, {
      method: 'GET',
      ca: serverTrust(connection),
      minVersion: 'TLSv1.2',
      headers: { authorization: `Bearer ${connection.token}`, accept: 'application/json' },
      timeout: timeoutMs,
      ...(connection.proxy ? { createConnection: proxiedCreateConnection(connection.proxy, timeoutMs) as https.RequestOptions['createConnection'] } : {}),
    });
    req.once('timeout', () => req.destroy(new CodedError(DeveloperErrorCode.ServerTimeout, `the tunnel server at ${connection.server.origin} did not answer within ${timeoutMs} ms`)));
    req.once('error', (err) => reject(explainServerError(err, connection.server)));
    req.once('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('error', (err) => reject(explainServerError(err, connection.server)));
      res.once('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          reject(new ApiError(res.statusCode ?? 0, DeveloperErrorCode.ApiResponse, `the server answered ${url.pathname} with HTTP ${res.statusCode} and no JSON`, {}));
          return;
        }
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve(body as T);
        else reject(apiError(status, body));
      });
    });
    req.end();
  });
}

export function apiError(status: number, body: unknown): ApiError {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const error = (typeof b['error'] === 'object' && b['error'] !== null ? b['error'] : {}) as Record<string, unknown>;
  const code = typeof error['code'] === 'string' ? error['code'] : httpStatusErrorCode(status);
  const message = typeof error['message'] === 'string' ? error['message'] : `the server answered HTTP ${status}`;
  return new ApiError(status, code, message, error);
}
