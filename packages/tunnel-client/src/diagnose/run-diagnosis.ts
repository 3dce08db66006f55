import type { Check, CheckResult, DiagnoseOptions, DiagnoseState } from './check.js';
import { agentCheck } from './checks/agent-check.js';
import { authCheck } from './checks/auth-check.js';
import { clockCheck } from './checks/clock-check.js';
import { configCheck } from './checks/config-check.js';
import { dnsCheck } from './checks/dns-check.js';
import { roundTripCheck } from './checks/round-trip-check.js';
import { tcpCheck } from './checks/tcp-check.js';
import { tlsCheck } from './checks/tls-check.js';
import { validityCheck } from './checks/validity-check.js';
import { websocketCheck } from './checks/websocket-check.js';

/** The masterclass's network checklist, in the order a person would walk it. */
export const CHECKS: readonly Check[] = [
  configCheck,
  agentCheck,
  dnsCheck,
  tcpCheck,
  tlsCheck,
  validityCheck,
  clockCheck,
  websocketCheck,
  authCheck,
  roundTripCheck,
];

async function runOne(check: Check, state: DiagnoseState, results: ReadonlyMap<string, CheckResult>): Promise<CheckResult> {
  const started = performance.now();
  const blocked = check.blockedBy(results, state);
  if (blocked !== undefined) return { name: check.name, status: 'SKIP', detail: blocked, durationMs: 0 };
  try {
    const outcome = await check.run(state);
    return { name: check.name, ...outcome, durationMs: Math.round(performance.now() - started) };
  } catch (err) {
    // A check that throws is a bug in diagnose, not a finding about the network; say so plainly.
    return { name: check.name, status: 'FAIL', detail: `diagnose itself failed: ${(err as Error).message}`, durationMs: Math.round(performance.now() - started) };
  }
}

/**
 * Runs every check in order, each on what the earlier ones learned; a check that cannot mean
 * anything after an earlier failure is reported as SKIP with the reason.
 * @param onResult called as each check finishes, so a person watching sees progress
 */
export async function runDiagnosis(options: DiagnoseOptions, onResult: (result: CheckResult) => void = () => undefined): Promise<CheckResult[]> {
  const state: DiagnoseState = { options };
  const results = new Map<string, CheckResult>();
  try {
    for (const check of CHECKS) {
      const result = await runOne(check, state, results);
      results.set(check.name, result);
      onResult(result);
    }
  } finally {
    state.ws?.terminate();
  }
  return [...results.values()];
}
