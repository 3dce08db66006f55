import type { IncomingMessage } from 'node:http';
import type net from 'node:net';
import type tls from 'node:tls';
import { zeroMask } from '@tunnel/protocol/transport';
import { MAX_WS_PAYLOAD } from '@tunnel/protocol/wire';
import WebSocket, { type ClientOptions } from 'ws';
import { CodedError, errorCode } from '@tunnel/protocol/errors';
import { dialThroughProxyIfAny } from './dial-through-proxy.js';
import { NetErrorCode } from './net-errors.js';
import { withinPhase } from './phase-deadline.js';
import type { ProxyConfig } from './proxy-config.js';
import { tlsOver } from './tls-over.js';

/** How a client reaches the server. The agent and the developer CLI dial with the same options. */
export interface DialOptions {
  /**
   * One budget for TCP, the proxy's handshake, TLS and the WebSocket upgrade; whichever phase
   * is running when it runs out fails with an error that names it.
   */
  timeoutMs: number;
  /** Calls the dial off in any phase: it rejects with ERR_DIAL_ABORTED and leaves no socket behind. */
  signal?: AbortSignal;
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
 * is open. Each phase is awaited against what is left of the budget, because something on the
 * path can accept TCP and then never answer. The one dialer of the agent and the developer CLI.
 */
export async function dialWebSocket(target: WebSocketTarget, options: DialOptions): Promise<DialedWebSocket> {
  const failed = target.failed ?? ((err: unknown) => (err instanceof Error ? err : new Error(String(err))));
  const deadline = Date.now() + options.timeoutMs;
  const host = target.url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.url.port || 443);
  const where = `${target.url.hostname}:${port}`;
  let secure: tls.TLSSocket;
  try {
    const { socket } = await dialThroughProxyIfAny(host, port, {
      ...(options.proxy ? { proxyConfig: options.proxy } : {}),
      ...(options.localAddress ? { localAddress: options.localAddress } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      timeoutMs: options.timeoutMs,
    });
    secure = await handshakeTls(socket, host, target.trust, { ms: deadline - Date.now(), signal: options.signal, where, budgetMs: options.timeoutMs });
  } catch (err) {
    throw errorCode(err) === NetErrorCode.Aborted ? err : failed(err);
  }
  // ws builds its connection synchronously, which is why TCP, the proxy and TLS come first.
  const createConnection = (): tls.TLSSocket => secure;
  let ws: WebSocket | undefined;
  const opened = new Promise<DialedWebSocket>((resolve, reject) => {
    let serverDate: string | undefined;
    const socket = new WebSocket(target.url, {
      ...(target.headers ? { headers: target.headers } : {}),
      perMessageDeflate: false,
      maxPayload: MAX_WS_PAYLOAD,
      generateMask: zeroMask,
      // ws types the option as net.createConnection; it only needs a connected stream back.
      createConnection: createConnection as unknown as ClientOptions['createConnection'],
    });
    ws = socket;
    socket.once('upgrade', (res) => (serverDate = res.headers.date));
    socket.once('unexpected-response', (_req, res: IncomingMessage) => {
      void readRefusal(res).then((body) => {
        reject(target.refused(res.statusCode ?? 0, res.statusMessage ?? '', body));
        socket.terminate();
      });
    });
    socket.once('open', () => {
      socket.removeAllListeners('error');
      // Errors after this point are the session's business (it reports them); they must not crash the process.
      socket.on('error', () => undefined);
      resolve({ ws: socket, serverDate, tlsSocket: secure });
    });
    socket.once('error', (err) => {
      socket.on('error', () => undefined);
      reject(failed(err));
    });
  });
  return withinPhase(opened, {
    ms: deadline - Date.now(),
    signal: options.signal,
    abandon: () => {
      ws?.terminate();
      secure.destroy();
    },
    onTimeout: () =>
      new CodedError(
        NetErrorCode.UpgradeTimeout,
        `the server at ${where} completed TLS but did not answer the WebSocket upgrade within ${options.timeoutMs} ms: ` +
          'the server may be stalled or overloaded, or a proxy in between holds the request',
      ),
  });
}

/** TLS over the connected leg, bounded by what is left of the dial's budget. */
function handshakeTls(
  socket: net.Socket,
  host: string,
  trust: tls.SecureContext,
  phase: { ms: number; signal: AbortSignal | undefined; where: string; budgetMs: number },
): Promise<tls.TLSSocket> {
  const secure = tlsOver(socket, host, { secureContext: trust, minVersion: 'TLSv1.2' });
  const done = new Promise<tls.TLSSocket>((resolve, reject) => {
    secure.once('secureConnect', () => {
      secure.off('error', reject);
      resolve(secure);
    });
    secure.once('error', reject);
  });
  return withinPhase(done, {
    ms: phase.ms,
    signal: phase.signal,
    abandon: () => secure.destroy(),
    onTimeout: () =>
      new CodedError(
        NetErrorCode.TlsTimeout,
        `TCP to ${phase.where} connected but the TLS handshake did not complete within ${phase.budgetMs} ms: ` +
          'something on the path accepts connections and never answers (a captive portal, a stalled middlebox or relay, a server that is not TLS)',
      ),
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
