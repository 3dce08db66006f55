import { CodedError } from '@tunnel/protocol/errors';
import { ConnectPath } from '@tunnel/protocol/wire';
import { dialWebSocket, type DialedWebSocket, type DialOptions } from '../net/websocket-dial.js';
import { deviceTrustContext } from './trust-context.js';
import type { DeviceConfig } from './device-config.js';
import { AgentErrorCode } from './agent-errors.js';

export function deviceConnectUrl(config: DeviceConfig): string {
  const host = config.vpnEndpoint.includes(':') ? `[${config.vpnEndpoint}]` : config.vpnEndpoint;
  return `wss://${host}:${config.vpnPort}${ConnectPath.Device}`;
}

/** Opens the device's WebSocket; resolves once it is open, with the server's Date header. */
export function dialDevice(config: DeviceConfig, options: DialOptions): Promise<DialedWebSocket> {
  return dialWebSocket(
    {
      url: new URL(deviceConnectUrl(config)),
      trust: deviceTrustContext(config),
      refused: (status, statusText) =>
        new CodedError(AgentErrorCode.ConnectHttp, `the server answered the WebSocket upgrade with HTTP ${status} ${statusText}`.trim()),
    },
    options,
  );
}
