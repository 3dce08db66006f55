import type WebSocket from 'ws';
import { ACCESS_PATH_HEADER, ConnectPath, PROXY_COMMAND_ACCESS } from '@tunnel/protocol/wire';
import { DIRECT } from '../net/proxy-config.js';
import { dialWebSocket, type DialOptions } from '../net/websocket-dial.js';
import type { ServerConnection } from './connection-settings.js';
import { apiError, serverTrustContext } from './server-api.js';
import { explainServerError } from './server-errors.js';

/**
 * Opens the CLI's WebSocket to the server, authenticated with the token before the upgrade.
 * A refusal (401 bad token, 429) rejects with the server's own code and message.
 */
export async function dialServer(connection: ServerConnection, options: Pick<DialOptions, 'timeoutMs'> & { proxyCommand?: boolean }): Promise<WebSocket> {
  const url = new URL(ConnectPath.User, connection.server);
  url.protocol = 'wss:';
  const { ws } = await dialWebSocket(
    {
      url,
      trust: serverTrustContext(connection),
      headers: { authorization: `Bearer ${connection.token}`, ...(options.proxyCommand ? { [ACCESS_PATH_HEADER]: PROXY_COMMAND_ACCESS } : {}) },
      refused: (status, _statusText, body) => apiError(status, parseJsonOrEmpty(body)),
      failed: (err) => explainServerError(err, connection.server),
    },
    { timeoutMs: options.timeoutMs, proxy: connection.proxy ?? DIRECT },
  );
  return ws;
}

function parseJsonOrEmpty(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // Not our server's JSON; the status alone has to do.
    return {};
  }
}
