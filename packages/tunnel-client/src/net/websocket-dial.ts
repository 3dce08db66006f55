import type { IncomingMessage } from 'node:http';
import type tls from 'node:tls';
import { zeroMask } from '@tunnel/protocol/transport';
import { MAX_WS_PAYLOAD } from '@tunnel/protocol/wire';
import WebSocket, { type ClientOptions } from 'ws';
import { dialThroughProxyIfAny } from './dial-through-proxy.js';
import type { ProxyConfig } from './proxy-config.js';
import { tlsOver } from './tls-over.js';

/** How a client reaches the server. The agent and the developer CLI dial with the same options. */
export interface DialOptions {
  /** One budget for TCP, the proxy's handshake, TLS and the WebSocket upgrade. */
  timeoutMs: number;
  /** --proxy / HTTPS_PROXY / NO_PROXY as loadProxyConfig parsed them; read from the environment when absent. */
  proxy?: ProxyConfig;
  /** Source address of the TCP connection (the bench's simulated devices each use their own). */
  localAddress?: string;
}

/** What differs between the agent's WebSocket and the CLI's: where it goes, whom it trusts, how refusals read. */
export interface WebSocketTarget {
  /** wss://host:port/path */
  url: URL;
  /** The CA certificates to trust, prepared once (see deviceTrustContext). */
  trust: tls.SecureContext;
  headers?: Record<string, string>;
  /** The server answered the upgrade with HTTP instead: the error to reject with. */
  refused(status: number, statusText: string, body: Buffer): Error;
  /** TCP, the proxy, TLS or the upgrade failed: the error to reject with. Default: the error itself. */
  failed?(err: unknown): Error;
}

export interface DialedWebSocket {
  ws: WebSocket;
  /** The server's HTTP Date header on the upgrade: devices estimate their clock offset from it. */
  serverDate: string | undefined;
  /** The TLS connection under the WebSocket, for its channel binding (tls-exporter). */
  tlsSocket: tls.TLSSocket;
}

/** A refusal's body is a short JSON error; more than this is not our server talking. */
const MAX_REFUSAL_BODY = 64 * 1024;

/**
 * Opens a client WebSocket to the tunnel server: TCP through the proxy the options name (or
 * direct), then TLS with our SNI rule and the target's trust, then the upgrade. Resolves once it
 * is open. The one dialer of the agent and the developer CLI.
 */
export async function dialWebSocket(target: WebSocketTarget, options: DialOptions): Promise<DialedWebSocket> {
  const failed = target.failed ?? ((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  const started = Date.now();
  const host = target.url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.url.port || 443);
  let socket;
  try {
    ({ socket } = await dialThroughProxyIfAny(host, port, {
      ...(options.proxy ? { proxyConfig: options.proxy } : {}),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      timeoutMs: options.timeoutMs,
    }));
  } catch (err) {
    throw failed(err);
  }
  const tcp = socket;
  // ws builds its TLS socket synchronously, which is why the TCP leg (maybe a proxy's) comes first.
  let tlsSocket: tls.TLSSocket | undefined;
  const createConnection = (tlsOptions: tls.ConnectionOptions): tls.TLSSocket =>
    (tlsSocket = tlsOver(tcp, host, { ...tlsOptions, secureContext: target.trust }));
  return new Promise((resolve, reject) => {
    let serverDate: string | undefined;
    const ws = new WebSocket(target.url, {
      ...(target.headers ? { headers: target.headers } : {}),
      perMessageDeflate: false,
      // What TCP and the proxy used is gone from TLS and the upgrade.
      handshakeTimeout: Math.max(1000, options.timeoutMs - (Date.now() - started)),
      minVersion: 'TLSv1.2',
      maxPayload: MAX_WS_PAYLOAD,
      generateMask: zeroMask,
      // ws types the option as net.createConnection, but hands it TLS options and takes a TLSSocket back.
      createConnection: createConnection as unknown as ClientOptions['createConnection'],
    });
    ws.once('upgrade', (res) => (serverDate = res.headers.date));
    ws.once('unexpected-response', (_req, res: IncomingMessage) => {
      void readRefusal(res).then((body) => {
        reject(target.refused(res.statusCode ?? 0, res.statusMessage ?? '', body));
        ws.terminate();
      });
    });
    ws.once('open', () => {
      ws.removeAllListeners('error');
      // Errors after this point are the session's business (it reports them); they must not crash the process.
      ws.on('error', () => undefined);
      // ws opened, so it called createConnection: the socket is set.
      resolve({ ws, serverDate, tlsSocket: tlsSocket! });
    });
    ws.once('error', (err) => {
      ws.on('error', () => undefined);
      reject(failed(err));
    });
  });
}

/** The body of an HTTP refusal, or as much as arrived before it ended or broke off. */
function readRefusal(res: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (): void => resolve(Buffer.concat(chunks));
    res.on('data', (c: Buffer) => {
      if (size >= MAX_REFUSAL_BODY) return;
      chunks.push(c);
      size += c.length;
    });
    res.once('end', done);
    res.once('close', done);
    res.once('error', done);
  });
}
