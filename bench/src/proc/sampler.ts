import { readCpuSeconds, readMemory } from './proc-stats.js';

export interface Sample {
  /** Milliseconds since sampling started. */
  readonly atMs: number;
  /** Summed over the sampled processes. */
  readonly rssKiB: number;
  readonly cpuSeconds: number;
}

export interface SampleSummary {
  readonly pids: readonly number[];
  readonly seconds: number;
  /** CPU seconds used during the window, all sampled processes together. */
  readonly cpuSeconds: number;
  /** cpuSeconds / seconds: 1.0 is one core fully busy. */
  readonly cpuCores: number;
  readonly rssKiB: { readonly first: number; readonly last: number; readonly max: number; readonly mean: number };
  readonly samples: readonly Sample[];
}

export interface SampleOptions {
  readonly intervalMs: number;
  readonly durationMs: number;
}

function sampleNow(pids: readonly number[], startMs: number): Sample {
  let rssKiB = 0;
  let cpuSeconds = 0;
  for (const pid of pids) {
    rssKiB += readMemory(pid).rssKiB;
    cpuSeconds += readCpuSeconds(pid);
  }
  return { atMs: Date.now() - startMs, rssKiB, cpuSeconds };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Samples RSS and CPU of the given processes every intervalMs for durationMs. CPU is measured as
 * the difference between the first and last sample, so /proc's 10 ms tick granularity matters
 * only for short windows: use a window of seconds (a minute for the agent's "CPU per minute").
 * Throws if a process disappears, since a crash must not read as "idle".
 */
export async function sampleProcesses(pids: readonly number[], options: SampleOptions): Promise<SampleSummary> {
  if (pids.length === 0) throw new Error('nothing to sample');
  const startMs = Date.now();
  const samples: Sample[] = [sampleNow(pids, startMs)];
  while (Date.now() - startMs < options.durationMs) {
    await sleep(Math.min(options.intervalMs, Math.max(0, options.durationMs - (Date.now() - startMs))));
    samples.push(sampleNow(pids, startMs));
  }
  const first = samples[0]!;
  const last = samples[samples.length - 1]!;
  const seconds = (last.atMs - first.atMs) / 1000;
  const rss = samples.map((s) => s.rssKiB);
  const cpuSeconds = last.cpuSeconds - first.cpuSeconds;
  return {
    pids,
    seconds,
    cpuSeconds,
    cpuCores: seconds > 0 ? cpuSeconds / seconds : 0,
    rssKiB: {
      first: first.rssKiB,
      last: last.rssKiB,
      max: Math.max(...rss),
      mean: rss.reduce((a, b) => a + b, 0) / rss.length,
    },
    samples,
  };
}
