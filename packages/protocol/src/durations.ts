import { ArgumentErrorCode, CodedError } from './errors.js';

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Parses "250ms", "2s", "1.5m", "12h", "7d" or a bare number of milliseconds.
 * Throws ERR_INVALID_DURATION naming the option so a user sees what to fix.
 */
export function parseDuration(text: string, what = 'duration'): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) {
    throw new CodedError(ArgumentErrorCode.InvalidDuration, `${what} "${text}" is not a duration; use a number with ms, s, m, h or d (for example 30s or 12h)`);
  }
  return Math.round(Number(m[1]) * units[m[2] ?? 'ms']!);
}

/** "1.5 s", "250 ms", "2 h": for messages meant for people. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${+(ms / 1000).toFixed(1)} s`;
  if (ms < 7_200_000) return `${+(ms / 60_000).toFixed(1)} min`;
  return `${+(ms / 3_600_000).toFixed(1)} h`;
}
