import { readFile } from 'node:fs/promises';
import os from 'node:os';

/** Linux's routing table (of this process's network namespace); elsewhere the interfaces alone have to do. */
const ROUTE_TABLE = '/proc/self/net/route';

/** A wall clock that moved this much more (or less) than monotonic time was set, not drifted. */
const CLOCK_STEP_MS = 30_000;

/** Why a failing agent should try again now rather than sit out its backoff. */
export type RetryTrigger = { reason: 'network-change' } | { reason: 'clock-step'; stepMs: number };

/** The device's addresses and routes as one comparable string. */
async function networkSnapshot(): Promise<string> {
  const addresses = Object.entries(os.networkInterfaces())
    .flatMap(([name, infos]) => (infos ?? []).map((i) => `${name} ${i.address}/${i.netmask}`))
    .sort();
  const routes = await readFile(ROUTE_TABLE, 'utf8').catch(() => '');
  return `${addresses.join('\n')}\n${routes}`;
}

/**
 * Calls `trigger` when an interface comes up or goes down, an address or a route changes, or
 * the wall clock is set (NTP finally synced on an RTC-less device: certificates that looked not
 * yet valid may be fine now). Polls a few small reads every interval, because netlink is not
 * reachable from Node without a native module or a child process per agent. Returns stop().
 */
export function watchRetryTriggers(intervalMs: number, trigger: (t: RetryTrigger) => void): () => void {
  let network: string | null = null;
  let wall = Date.now();
  let mono = performance.now();
  void networkSnapshot().then((s) => (network ??= s));
  const timer = setInterval(() => {
    const stepMs = Date.now() - wall - (performance.now() - mono);
    wall = Date.now();
    mono = performance.now();
    if (Math.abs(stepMs) >= CLOCK_STEP_MS) trigger({ reason: 'clock-step', stepMs: Math.round(stepMs) });
    void networkSnapshot().then((now) => {
      const before = network;
      network = now;
      if (before !== null && now !== before) trigger({ reason: 'network-change' });
    });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
