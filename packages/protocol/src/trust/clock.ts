/**
 * Clock offset from a server's HTTP `Date` header (the WebSocket upgrade response carries one).
 * A device whose certificate checks fail needs to know whether its clock is the reason, and
 * `Date` is what reaches it even when NTP (UDP 123) is blocked.
 */
export interface ClockOffsetEstimate {
  /** Server time minus device time, in ms: positive when the device clock is behind. */
  offsetMs: number;
  /** How far the true offset can be from offsetMs: half the round trip plus Date's 1 s resolution. */
  uncertaintyMs: number;
  serverTime: Date;
}

/**
 * @param sentAt device clock when the request was sent
 * @param receivedAt device clock when the response arrived
 * @returns undefined when the header is missing or not a date
 */
export function estimateClockOffset(dateHeader: string | undefined, sentAt: Date, receivedAt: Date): ClockOffsetEstimate | undefined {
  if (!dateHeader) return undefined;
  const serverMs = Date.parse(dateHeader);
  if (Number.isNaN(serverMs)) return undefined;
  const rtt = Math.max(0, receivedAt.getTime() - sentAt.getTime());
  // The server stamped the response somewhere inside the round trip, most likely near its middle;
  // and it truncated to whole seconds, so on average the true time is half a second later.
  const midpoint = sentAt.getTime() + rtt / 2;
  return {
    offsetMs: Math.round(serverMs + 500 - midpoint),
    uncertaintyMs: Math.round(rtt / 2 + 500),
    serverTime: new Date(serverMs),
  };
}

/** `device clock is 5 years 240 days behind the server (±1 s)`, for logs and diagnose output. */
export function describeClockOffset(estimate: ClockOffsetEstimate): string {
  const abs = Math.abs(estimate.offsetMs);
  if (abs <= estimate.uncertaintyMs) return `device clock agrees with the server (within ±${formatDuration(estimate.uncertaintyMs)})`;
  const direction = estimate.offsetMs > 0 ? 'behind' : 'ahead of';
  return `device clock is ${formatDuration(abs)} ${direction} the server (±${formatDuration(estimate.uncertaintyMs)})`;
}

/** [name, size, whether the name is a word that takes a plural]; years are 365 days, near enough. */
const UNITS: readonly [string, number, boolean][] = [
  ['year', 365 * 24 * 3600 * 1000, true],
  ['day', 24 * 3600 * 1000, true],
  ['h', 3600 * 1000, false],
  ['min', 60 * 1000, false],
  ['s', 1000, false],
];

/** The two largest units are enough: "5 years 240 days", "3 h 12 min", "2 s". */
function formatDuration(ms: number): string {
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size, word] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0 && parts.length < 2) {
      parts.push(word && n !== 1 ? `${n} ${unit}s` : `${n} ${unit}`);
      rest -= n * size;
    } else if (parts.length > 0) {
      break;
    }
  }
  return parts.length > 0 ? parts.join(' ') : `${Math.round(ms)} ms`;
}
