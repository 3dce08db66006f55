import https from 'node:https';
import type tls from 'node:tls';
import { CodedError } from '@tunnel/protocol/errors';
import { estimateClockOffset, type ClockOffsetEstimate } from '@tunnel/protocol/trust';
import { dialThroughProxyIfAny } from '../net/dial-through-proxy.js';
import type { ProxyConfig } from '../net/proxy-config.js';
import { tlsOver } from '../net/tls-over.js';

export interface ServerClockOptions {
  proxy: ProxyConfig;
  timeoutMs: number;
}

/** The path asked for; any answer carries Date, and this one is cheap and public. */
const PROBE_PATH = '/healthz';

/**
 * The server's clock as its HTTP `Date` header tells it, against this device's clock. The
 * certificate is deliberately not checked: this is asked exactly when a wrong clock makes a good
 * certificate look invalid, and the request carries nothing but a path.
 * @returns undefined when the answer has no usable Date header
 */
export async function probeServerClock(host: string, port: number, options: ServerClockOptions): Promise<ClockOffsetEstimate | undefined> {
  const { socket } = await dialThroughProxyIfAny(host, port, { proxyConfig: options.proxy, timeoutMs: options.timeoutMs });
  return new Promise((resolve, reject) => {
    // Timed from the end of the TLS handshake, so the round trip is one request, not three.
    let sentAt = new Date();
    const overTls = (): tls.TLSSocket => {
      const secure = tlsOver(socket, host, { rejectUnauthorized: false });
      secure.once('secureConnect', () => (sentAt = new Date()));
      return secure;
    };
    const req = https.request(
      { host, port, path: PROBE_PATH, method: 'GET', createConnection: overTls, timeout: options.timeoutMs },
      (res) => {
        const estimate = estimateClockOffset(res.headers.date, sentAt, new Date());
        res.resume();
        req.destroy();
        resolve(estimate);
      },
    );
    req.once('timeout', () => req.destroy(new CodedError('ETIMEDOUT', `no HTTP answer from ${host}:${port} within ${options.timeoutMs} ms`)));
    req.once('error', reject);
    req.end();
  });
}
