import type net from 'node:net';
import { openHttpConnectTunnel } from './http-connect.js';
import { loadProxyConfig, proxyRoute, type ProxyConfig, type ProxyRoute, type ProxySettings } from './proxy-config.js';
import { ProxyError, ProxyErrorCode } from './proxy-errors.js';
import type { ProxySpec } from './proxy-url.js';
import { openSocks5Tunnel } from './socks5.js';
import { connectTcp } from './tcp-connect.js';
import { withinPhase } from './phase-deadline.js';

export interface DialThroughProxyOptions extends ProxySettings {
  /** Settings already parsed by loadProxyConfig; wins over `proxy` and `env`. */
  proxyConfig?: ProxyConfig;
  /** Budget for TCP to the first hop plus the proxy's handshake. Default 15 s. */
  timeoutMs?: number;
  /** Source address for the TCP connection (to the proxy when one applies). */
  localAddress?: string;
  /** Calls the attempt off in any phase (the agent is stopping). */
  signal?: AbortSignal;
}

export interface ProxiedConnection {
  /** Connected to host:port (through the proxy when one applies); start TLS over it. */
  socket: net.Socket;
  route: ProxyRoute;
}

const DEFAULT_TIMEOUT_MS = 15_000;

function unreachable(proxy: ProxySpec, source: string | undefined, err: unknown): ProxyError {
  const why = err instanceof Error ? err.message : String(err);
  const from = source ? ` (from ${source})` : '';
  return new ProxyError(ProxyErrorCode.Unreachable, `cannot reach the proxy ${proxy.display}${from}: ${why}`, { proxy: proxy.display }, { cause: err });
}

/**
 * A TCP connection to host:port, through the proxy that --proxy, HTTPS_PROXY or ALL_PROXY name
 * (HTTP CONNECT or SOCKS5, with credentials from the URL) unless NO_PROXY lists the host; direct
 * otherwise. The one dialer for everything in this package that reaches the server, so the agent,
 * diagnose and the developer CLI leave through the same door.
 */
export async function dialThroughProxyIfAny(host: string, port: number, options: DialThroughProxyOptions = {}): Promise<ProxiedConnection> {
  const config = options.proxyConfig ?? loadProxyConfig(options);
  const route = proxyRoute(config, host, port);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = Date.now();
  const source = options.localAddress ? { localAddress: options.localAddress } : {};
  if (!route.proxy) return { socket: await connectTcp({ host, port, ...source }, timeoutMs, options.signal), route };

  const proxy = route.proxy;
  let socket: net.Socket;
  try {
    socket = await connectTcp({ host: proxy.host, port: proxy.port, ...source }, timeoutMs, options.signal);
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw unreachable(proxy, config.source, err);
  }
  const target = { host, port };
  const handshake = proxy.protocol === 'http' ? openHttpConnectTunnel(socket, proxy, target) : openSocks5Tunnel(socket, proxy, target);
  const left = timeoutMs - (Date.now() - started);
  try {
    await withinPhase(handshake, {
      ms: left,
      signal: options.signal,
      abandon: () => socket.destroy(),
      onTimeout: () =>
        new ProxyError(ProxyErrorCode.Timeout, `the proxy ${proxy.display} did not open the tunnel to ${host}:${port} within ${timeoutMs} ms`, {
          proxy: proxy.display,
        }),
    });
  } catch (err) {
    socket.destroy();
    throw err;
  }
  return { socket, route };
}
