/**
 * Many client connections from distinct loopback source addresses. One source address gets at most
 * ip_local_port_range (about 28,000) connections to one server port, fewer with TIME_WAIT left by
 * earlier runs; Linux routes all of 127.0.0.0/8 to lo, so spreading sources over it lifts the limit
 * without any interface setup. Used by the idle-devices and connect-storm scenarios (5, 6).
 */
import type net from 'node:net';
import type { Endpoint } from './endpoint.js';
import { connect } from '../load/socket.js';

const SECOND_OCTETS = 254; // 1..254: stays clear of 127.0.x.x (127.0.0.1 is everyone's) and of .255
const THIRD_OCTETS = 256;
const FOURTH_OCTETS = 254; // 1..254: no .0 or .255 host parts, which some tools treat specially

/** How many distinct addresses loopbackSource() yields before it repeats. */
export const LOOPBACK_SOURCES = SECOND_OCTETS * THIRD_OCTETS * FOURTH_OCTETS;

/**
 * The i-th source address. The second octet changes fastest, so even a few hundred addresses are
 * spread across the whole /8 rather than packed into one /24.
 */
export function loopbackSource(i: number): string {
  if (!Number.isInteger(i) || i < 0) throw new RangeError(`bad source index ${i}`);
  const n = i % LOOPBACK_SOURCES;
  const b = 1 + (n % SECOND_OCTETS);
  const c = Math.floor(n / SECOND_OCTETS) % THIRD_OCTETS;
  const d = 1 + Math.floor(n / (SECOND_OCTETS * THIRD_OCTETS));
  return `127.${b}.${c}.${d}`;
}

export interface OpenManyOptions {
  readonly count: number;
  /** How many opens are in flight at once; `count` means all at once (a storm). */
  readonly concurrency: number;
  /** Connections that share one source address. */
  readonly perSource: number;
  /** No new open starts after this; the ones not started count as failures. */
  readonly deadlineMs: number;
  /**
   * Try a failed open again after a random delay up to base x 2^attempt (capped), as the agent's
   * reconnect loop does, until the deadline; absent: one attempt each.
   */
  readonly retry?: { readonly baseMs: number; readonly capMs: number };
}

export interface OpenFailure {
  readonly index: number;
  readonly source: string;
  readonly error: string;
}

export interface OpenManyResult<T> {
  readonly opened: T[];
  readonly failures: OpenFailure[];
  /** From the first open started until the last one settled. */
  readonly seconds: number;
  /** Per successful open, microseconds (its last attempt). */
  readonly openMicros: number[];
  /** Attempts beyond each open's first. */
  readonly retries: number;
}

/**
 * Opens `count` things (TCP sockets, or a simulated device's TLS WebSocket session) with bounded
 * concurrency, each told its source address. Failures are collected, not thrown: how many failed
 * is itself a result of the connect-storm scenario.
 */
export async function openMany<T>(
  options: OpenManyOptions,
  open: (index: number, source: string) => Promise<T>,
): Promise<OpenManyResult<T>> {
  const opened: T[] = [];
  const failures: OpenFailure[] = [];
  const openMicros: number[] = [];
  const start = process.hrtime.bigint();
  const giveUpAt = Date.now() + options.deadlineMs;
  let next = 0;
  let retries = 0;
  const attempt = async (i: number, source: string): Promise<void> => {
    for (let tries = 0; ; tries++) {
      const t0 = process.hrtime.bigint();
      try {
        opened.push(await open(i, source));
        openMicros.push(Number(process.hrtime.bigint() - t0) / 1000);
        return;
      } catch (err) {
        const wait = options.retry ? Math.random() * Math.min(options.retry.capMs, options.retry.baseMs * 2 ** tries) : Infinity;
        if (Date.now() + wait > giveUpAt) {
          failures.push({ index: i, source, error: err instanceof Error ? err.message : String(err) });
          return;
        }
        retries += 1;
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  };
  const worker = async (): Promise<void> => {
    for (let i = next++; i < options.count; i = next++) {
      const source = loopbackSource(Math.floor(i / Math.max(1, options.perSource)));
      if (Date.now() > giveUpAt) {
        failures.push({ index: i, source, error: 'deadline passed before this open started' });
        continue;
      }
      await attempt(i, source);
    }
  };
  const workers = Math.max(1, Math.min(options.concurrency, options.count));
  await Promise.all(Array.from({ length: workers }, worker));
  return { opened, failures, seconds: Number(process.hrtime.bigint() - start) / 1e9, openMicros, retries };
}

/** Plain TCP connections from spread-out loopback sources; the caller owns (and closes) the sockets. */
export function connectMany(
  endpoint: Endpoint,
  options: OpenManyOptions & { readonly timeoutMs: number },
): Promise<OpenManyResult<net.Socket>> {
  return openMany(options, (_i, source) => connect(endpoint, { timeoutMs: options.timeoutMs, localAddress: source }));
}
