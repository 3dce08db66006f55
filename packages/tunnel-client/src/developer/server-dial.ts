import type { IncomingMessage } from 'node:http';
import { ConnectPath, MAX_WS_PAYLOAD, zeroMask } from '@tunnel/protocol';
import WebSocket, { type ClientOptions } from 'ws';
import type { ServerConnection } from './connection-settings.js';
import { apiError, serverTrust } from './server-api.js';
import { explainServerError } from './server-errors.js';

export interface DialOptions {
  timeoutMs: number;
}

/**
 * Opens the CLI's WebSocket to the server, authenticated with the token before the upgrade.
 * A refusal (401 bad token, 429) rejects with the server's own code and message.
 */
export function dialServer(connection: ServerConnection, options: DialOptions): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const url = new URL(ConnectPath.User, connection.server);
    url.protocol = 'wss:';
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${connection.token}` },
      ca: serverTrust(connection),
      minVersion: 'TLSv1.2',
      perMessageDeflate: false,
      handshakeTimeout: options.timeoutMs,
      maxPayload: MAX_WS_PAYLOAD,
      generateMask: zeroMask,
      // ws hands this to node:http, which also takes the callback form; ws's type only knows the sync one.
      ...(connection.createConnection ? { createConnection: connection.createConnection as unknown as ClientOptions['createConnection'] } : {}),
    });
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.once('end', () => {
        ws.terminate();
        let body: unknown = {};
        try {
          body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          // Not our server's JSON; the status alone has to do.
        }
        reject(apiError(res.statusCode ?? 0, body));
      });
    });
    ws.once('open', () => {
      ws.removeAllListeners('error');
      // From here errors close the session, which reports them; they must not crash the CLI.
      ws.on('error', () => undefined);
      resolve(ws);
    });
    ws.once('error', (err) => {
      ws.on('error', () => undefined);
      reject(explainServerError(err, connection.server));
    });
  });
}
