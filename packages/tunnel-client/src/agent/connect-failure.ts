import { errorCode } from '@tunnel/protocol/errors';
import { blameCertificateDates, diagnoseTlsError, TrustErrorCode, type ClockOffsetEstimate } from '@tunnel/protocol/trust';
import type { ProxyConfig } from '../net/proxy-config.js';
import { trustAnchors } from './trust-context.js';
import type { DeviceConfig } from './device-config.js';
import { readPresentedChain } from './presented-chain.js';
import { probeServerClock } from './server-clock.js';
import { NetErrorCode } from '../net/net-errors.js';

export interface ConnectFailure {
  /** Stable code: ERR_TLS_* for a diagnosed certificate, ERR_PROXY_*, ERR_AUTH_*, or node's own. */
  code: string;
  /** Plain words: which clock and dates, which issuer, which names, which proxy answer. */
  message: string;
  /** Machine-readable facts behind the message (dates, issuer, proxy status), for the log line. */
  details: Record<string, unknown>;
  /** The server's clock seen from here, when the failure is about certificate dates. */
  clock?: ClockOffsetEstimate;
}

export interface ConnectFailureContext {
  config: DeviceConfig;
  proxy: ProxyConfig;
  timeoutMs: number;
  /** Where the failed connection went: vpnEndpoint:vpnPort when absent (heartbeats go to apiEndpoint). */
  target?: { host: string; port: number };
}

function detailsOf(err: unknown): Record<string, unknown> {
  if (typeof err !== 'object' || err === null || !('details' in err)) return {};
  const details = (err as { details: unknown }).details;
  return typeof details === 'object' && details !== null ? { ...(details as Record<string, unknown>) } : {};
}

const DATE_CODES: ReadonlySet<string> = new Set([TrustErrorCode.CertNotYetValid, TrustErrorCode.CertExpired]);

/**
 * Turns a failed connection into what a person needs to fix it. A certificate failure gets a
 * second look: the chain the network actually presents (over the same route) is checked against
 * the device's anchors and clock, so the log names the issuer, the dates or the names; when the
 * dates are the problem, the server's own clock is asked too.
 */
export async function explainConnectFailure(err: unknown, context: ConnectFailureContext): Promise<ConnectFailure> {
  const plain: ConnectFailure = {
    code: errorCode(err) ?? NetErrorCode.Connect,
    message: err instanceof Error ? err.message : String(err),
    details: detailsOf(err),
  };
  if (diagnoseTlsError(err) === undefined) return plain;

  const { config, proxy, timeoutMs } = context;
  const { host, port } = context.target ?? { host: config.vpnEndpoint, port: config.vpnPort };
  const anchors = trustAnchors(config);
  const chain = await readPresentedChain(host, port, { proxy, timeoutMs }).then(
    (inspection) => inspection.chain,
    () => [] as string[],
  );
  const diagnosis = diagnoseTlsError(err, { chain, anchors, hostname: host, now: new Date() });
  if (!diagnosis) return plain;
  const clock = DATE_CODES.has(diagnosis.code) ? await probeServerClock(host, port, { proxy, timeoutMs }).catch(() => undefined) : undefined;
  // Only the server's clock can tell a wrong device clock from a wrong certificate.
  const judged = clock ? blameCertificateDates(diagnosis, clock) : diagnosis;
  return { code: judged.code, message: judged.message, details: { ...judged.details }, ...(clock ? { clock } : {}) };
}
