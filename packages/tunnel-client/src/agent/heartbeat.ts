import https from 'node:https';
import type tls from 'node:tls';
import {
  HEARTBEAT_CHALLENGE_PATH,
  HEARTBEAT_PATH,
  heartbeatTranscript,
  type HeartbeatChallenge,
  type HeartbeatReport,
  type TranscriptSigner,
} from '@tunnel/protocol/auth';
import { formatDuration } from '@tunnel/protocol/cli';
import { Backoff, type BackoffSettings } from '@tunnel/protocol/reconnect';
import { CodedError } from '@tunnel/protocol/errors';
import { asError, type Logger } from '@tunnel/protocol/log';
import { diagnoseTlsError } from '@tunnel/protocol/trust';
import { dialThroughProxyIfAny } from '../net/dial-through-proxy.js';
import { loadProxyConfig, type ProxyConfig } from '../net/proxy-config.js';
import { tlsOver } from '../net/tls-over.js';
import type { AgentState } from './control-socket.js';
import { deviceTrustContext } from './trust-context.js';
import type { DeviceConfig } from './device-config.js';
import { AgentErrorCode } from './agent-errors.js';
import { apiEndpointsOf } from './server-endpoints.js';
import { explainConnectFailure } from './connect-failure.js';

export interface HeartbeatSettings {
  config: DeviceConfig;
  signer: TranscriptSigner;
  intervalMs: number;
  agentVersion: string;
  timeoutMs: number;
  /** The same route as the tunnel takes (--proxy, HTTPS_PROXY, NO_PROXY); read from the environment when absent. */
  proxy?: ProxyConfig;
}

/** A failing heartbeat is not retried faster than this, however the jitter falls. */
const MIN_RETRY_MS = 200;

export interface HeartbeatAck {
  serverTime: number;
  freshForMs: number;
}

/** Host and port of apiEndpoint, where heartbeats go. */
function apiTarget(config: DeviceConfig): { host: string; port: number } {
  const url = new URL(config.apiEndpoint);
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port || 443) };
}

/**
 * A heartbeat's certificate failure in the words and codes the tunnel uses for it (which dates,
 * whose clock, which issuer), not node's raw error; any other failure as it was.
 */
async function explained(err: unknown, s: HeartbeatSettings): Promise<Error> {
  if (diagnoseTlsError(err) === undefined) return asError(err);
  const failure = await explainConnectFailure(err, { config: s.config, proxy: s.proxy ?? loadProxyConfig(), timeoutMs: s.timeoutMs, target: apiTarget(s.config) });
  return new CodedError(failure.code, failure.message, { cause: err });
}

/** One HTTPS JSON call to the server's API, failing with the server's own error code. */
async function callApi(s: HeartbeatSettings, method: 'GET' | 'POST', pathAndQuery: string, body: unknown): Promise<unknown> {
  const { config, timeoutMs } = s;
  const url = new URL(pathAndQuery, config.apiEndpoint + '/');
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const { host, port } = apiTarget(config);
  const { socket } = await dialThroughProxyIfAny(host, port, { ...(s.proxy ? { proxyConfig: s.proxy } : {}), timeoutMs });
  const overTls = (): tls.TLSSocket =>
    tlsOver(socket, host, { secureContext: deviceTrustContext(config) });
  return new Promise((resolve, reject) => {
    const req = https.request(
      url,
      {
        method,
        createConnection: overTls,
        timeout: timeoutMs,
        headers: payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {},
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let data: unknown;
          try {
            data = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            reject(new CodedError(AgentErrorCode.HeartbeatResponse, `the server answered ${method} ${url.pathname} with HTTP ${res.statusCode} and no JSON`));
            return;
          }
          if (res.statusCode === 200) {
            resolve(data);
            return;
          }
          const error = (data as { error?: { code?: string; message?: string } }).error;
          reject(new CodedError(error?.code ?? AgentErrorCode.HeartbeatHttp, error?.message ?? `HTTP ${res.statusCode}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new CodedError(AgentErrorCode.HeartbeatTimeout, `no answer from ${url.origin} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Sends one heartbeat: fetch a challenge, sign it with the device key, report. */
export async function sendHeartbeat(s: HeartbeatSettings): Promise<HeartbeatAck> {
  const { config } = s;
  try {
    const challenge = (await callApi(s, 'GET', `${HEARTBEAT_CHALLENGE_PATH}?uuid=${config.uuid}`, undefined)) as HeartbeatChallenge;
    const fields = { uuid: config.uuid, nonce: challenge.nonce, intervalMs: s.intervalMs };
    const report: HeartbeatReport = { ...fields, agentVersion: s.agentVersion, signature: s.signer.sign(heartbeatTranscript(fields)) };
    return (await callApi(s, 'POST', HEARTBEAT_PATH, report)) as HeartbeatAck;
  } catch (err) {
    throw await explained(err, s);
  }
}

/**
 * Sends a heartbeat every interval, apart from the tunnel: the two signals must fail
 * independently, or "Heartbeat only" and "VPN only" would mean nothing. A failed heartbeat is
 * retried with a short jittered backoff (never longer than the interval), so a device whose
 * clock or network was just fixed is fresh again in seconds, not at the next tick.
 */
export class HeartbeatLoop {
  private timer: NodeJS.Timeout | null = null;
  private running = false;
  private failing = false;
  /** Heartbeats go round these as the tunnel goes round its endpoints: a failure moves to the next. */
  private readonly apiEndpoints: string[];
  private apiIndex = 0;
  private lastSentAt: string | null = null;
  private lastError: string | null = null;
  private readonly retry: Backoff;

  constructor(
    private readonly settings: HeartbeatSettings & { retry: BackoffSettings },
    private readonly log: Logger,
  ) {
    this.apiEndpoints = apiEndpointsOf(settings.config);
    this.retry = new Backoff({ baseMs: settings.retry.baseMs, capMs: Math.min(settings.retry.capMs, settings.intervalMs) });
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.beat();
  }

  stop(): void {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The heartbeat's side of the state the control socket serves. */
  get state(): AgentState['heartbeat'] {
    return { enabled: true, lastSentAt: this.lastSentAt, failing: this.failing, lastError: this.lastError };
  }

  /** Retries a failing heartbeat at once (the network or the clock changed); a healthy one keeps its tick. */
  retryNow(): void {
    if (!this.running || !this.failing || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.retry.reset();
    void this.beat();
  }

  private async beat(): Promise<void> {
    let nextInMs = this.settings.intervalMs;
    try {
      const apiEndpoint = this.apiEndpoints[this.apiIndex] ?? this.settings.config.apiEndpoint;
      const ack = await sendHeartbeat({ ...this.settings, config: { ...this.settings.config, apiEndpoint } });
      if (this.failing) this.log.info('heartbeats are getting through again');
      this.failing = false;
      this.lastSentAt = new Date().toISOString();
      this.lastError = null;
      this.retry.reset();
      this.log.debug({ freshForMs: ack.freshForMs }, 'heartbeat sent');
    } catch (err) {
      this.failing = true;
      this.apiIndex = (this.apiIndex + 1) % this.apiEndpoints.length;
      this.lastError = `${(err as CodedError).code ?? AgentErrorCode.Heartbeat}: ${asError(err).message}`;
      nextInMs = Math.max(MIN_RETRY_MS, this.retry.next());
      this.log.warn(
        { code: (err as CodedError).code ?? AgentErrorCode.Heartbeat, err: asError(err), nextInMs },
        `heartbeat failed; retrying in ${formatDuration(nextInMs)}`,
      );
    }
    if (this.running) this.timer = setTimeout(() => void this.beat(), nextInMs);
  }
}
