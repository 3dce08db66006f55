import { CodedError, ConnectPath, MAX_WS_PAYLOAD, zeroMask } from '@tunnel/protocol';
import WebSocket from 'ws';
import { dialThroughProxyIfAny } from '../net/dial-through-proxy.js';
import type { ProxyConfig } from '../net/proxy-config.js';
import { wsCreateConnectionOver } from '../net/ws-create-connection.js';
import { deviceTrustContext, trustAnchors } from './trust-context.js';
import type { DeviceConfig } from './device-config.js';

export interface DialOptions {
  timeoutMs: number;
  /** --proxy / HTTPS_PROXY / NO_PROXY as loadProxyConfig parsed them; read from the environment when absent. */
  proxy?: ProxyConfig;
  /** Source address of the TCP connection (the bench's simulated devices each use their own). */
  localAddress?: string;
}

export { trustAnchors } from './trust-context.js';

export function deviceConnectUrl(config: DeviceConfig): string {
  const host = config.vpnEndpoint.includes(':') ? `[${config.vpnEndpoint}]` : config.vpnEndpoint;
  return `wss://${host}:${config.vpnPort}${ConnectPath.Device}`;
}

/** Opens the device's WebSocket; resolves once it is open, with the server's Date header. */
export async function dialDevice(config: DeviceConfig, options: DialOptions): Promise<{ ws: WebSocket; serverDate: string | undefined }> {
  const started = Date.now();
  const { socket } = await dialThroughProxyIfAny(config.vpnEndpoint, config.vpnPort, {
    ...(options.proxy ? { proxyConfig: options.proxy } : {}),
    ...(options.localAddress ? { localAddress: options.localAddress } : {}),
    timeoutMs: options.timeoutMs,
  });
  return new Promise((resolve, reject) => {
    let serverDate: string | undefined;
    const ws = new WebSocket(deviceConnectUrl(config), {
      ca: trustAnchors(config),
      perMessageDeflate: false,
      // One budget for the whole dial: what TCP and the proxy used is gone from TLS and the upgrade.
      handshakeTimeout: Math.max(1000, options.timeoutMs - (Date.now() - started)),
      minVersion: 'TLSv1.2',
      maxPayload: MAX_WS_PAYLOAD,
      generateMask: zeroMask,
      createConnection: wsCreateConnectionOver(socket, deviceTrustContext(config)),
    });
    ws.once('upgrade', (res) => (serverDate = res.headers.date));
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      reject(new CodedError('ERR_CONNECT_HTTP', `the server answered the WebSocket upgrade with HTTP ${res.statusCode} ${res.statusMessage ?? ''}`.trim()));
    });
    ws.once('open', () => {
      ws.removeAllListeners('error');
      // Errors after this point are the session's business; never let one crash the agent.
      ws.on('error', () => undefined);
      resolve({ ws, serverDate });
    });
    ws.once('error', (err) => {
      ws.on('error', () => undefined);
      reject(err);
    });
  });
}
