import type { ServerChainInspection, ServerChainVerification } from '@tunnel/protocol/trust';
import type WebSocket from 'ws';
import type { DeviceConfig } from '../agent/device-config.js';
import type { DeviceHandshakeResult } from '../agent/device-handshake.js';
import type { ProxyConfig } from '../net/proxy-config.js';

export type CheckStatus = 'PASS' | 'WARN' | 'FAIL' | 'SKIP';

/** One line of the report; also the JSON element of `diagnose --json`. */
export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a FAIL or WARN; absent when nothing needs doing. */
  remedy?: string;
  /** Stable error code behind a FAIL or WARN, when there is one. */
  code?: string;
  durationMs: number;
}

export type CheckOutcome = Omit<CheckResult, 'name' | 'durationMs'> & { status: Exclude<CheckStatus, 'SKIP'> };

export interface DiagnoseOptions {
  /** config.json; $TUNNEL_CONFIG or /mnt/boot/config.json when absent, as for the agent. */
  configFile?: string;
  /** --proxy URL; HTTPS_PROXY/ALL_PROXY/NO_PROXY come from `env`. */
  proxy?: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Budget of each network check. */
  timeoutMs: number;
}

/** What earlier checks learned and later ones build on; filled in as the checks run. */
export interface DiagnoseState {
  options: DiagnoseOptions;
  config?: DeviceConfig;
  proxy?: ProxyConfig;
  inspection?: ServerChainInspection;
  verification?: ServerChainVerification;
  ws?: WebSocket;
  /** The tls-exporter value of the WebSocket's TLS connection, for the handshake's channel binding. */
  tlsExporter?: string;
  auth?: DeviceHandshakeResult;
}

export interface Check {
  name: string;
  /** Why this check cannot run after what came before (shown as SKIP), or undefined to run it. */
  blockedBy(results: ReadonlyMap<string, CheckResult>, state: DiagnoseState): string | undefined;
  run(state: DiagnoseState): Promise<CheckOutcome>;
}

/** A blockedBy that wants every named check to have passed (a WARN is a pass with advice). */
export function after(...names: string[]): Check['blockedBy'] {
  return (results) => {
    for (const name of names) {
      const status = results.get(name)?.status;
      if (status !== 'PASS' && status !== 'WARN') return `not run: ${name} ${status === 'SKIP' ? 'was skipped' : 'failed'}`;
    }
    return undefined;
  };
}

/** For values a check's blockedBy already guaranteed; reaching the throw is a bug in the order of checks. */
export function given<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`diagnose: ${what} is missing; a check ran out of order`);
  return value;
}
