import { INITIAL_STREAM_WINDOW, MAX_UINT32 } from './constants.js';
import { YamuxError, YamuxErrorCode } from './errors.js';

/** Every knob of a session. All durations are milliseconds, all sizes bytes. */
export interface YamuxConfig {
  /**
   * Incoming streams that may wait for accept() before further SYNs are refused with RST.
   * Only used while nobody listens for the 'stream' event. Default 256.
   */
  acceptBacklog: number;
  /** Send a Ping every keepAliveInterval and close the session if it goes unanswered. Default true. */
  enableKeepAlive: boolean;
  /** Time between keepalive pings. Default 15 s. */
  keepAliveInterval: number;
  /**
   * Ping only after an interval in which the peer sent nothing of its own accord (its pings and
   * stream frames count, answers to our pings do not). For a server whose clients keep alive
   * themselves: one ping exchange per interval per session instead of two. A dead link is then
   * noticed within 2 x keepAliveInterval + keepAliveTimeout by this side. Default false.
   */
  keepAliveWhenQuiet: boolean;
  /**
   * A ping unanswered for this long closes the session. With the interval, a silently dead link
   * is detected within keepAliveInterval + keepAliveTimeout (45 s by default). Default 30 s.
   */
  keepAliveTimeout: number;
  /** A stream we opened that the peer has not ACKed within this time is reset. Default 75 s. */
  streamOpenTimeout: number;
  /** Streams open at once, both directions together; further SYNs are refused with RST. Default 1024. */
  maxConcurrentStreams: number;
  /**
   * Largest receive window a stream grows to. Streams start at the spec's 256 KiB and double
   * while their reader keeps up, so long fat links reach full speed while a slow reader never
   * holds more than this much. Default 6 MiB (frp's figure, proven in the field).
   */
  maxStreamWindow: number;
  /** Largest payload of one Data frame; smaller frames share the link more fairly. Default 64 KiB. */
  maxFrameSize: number;
  /**
   * Bytes queued on the transport beyond which the session stops reading input until the
   * transport drains. Data writes stop far earlier; this only bounds replies to a peer that floods
   * pings or SYNs without reading. Default 4 MiB.
   */
  maxSendBuffer: number;
  /** How long close() lets a GoAway drain before the transport is destroyed. Default 5 s. */
  closeTimeout: number;
}

export const defaultYamuxConfig: Readonly<YamuxConfig> = Object.freeze({
  acceptBacklog: 256,
  enableKeepAlive: true,
  keepAliveInterval: 15_000,
  keepAliveWhenQuiet: false,
  keepAliveTimeout: 30_000,
  streamOpenTimeout: 75_000,
  maxConcurrentStreams: 1024,
  maxStreamWindow: 6 * 1024 * 1024,
  maxFrameSize: 64 * 1024,
  maxSendBuffer: 4 * 1024 * 1024,
  closeTimeout: 5_000,
});

type Check = (value: number) => boolean;

const positiveInt: Check = (v) => Number.isInteger(v) && v > 0;

type BooleanKey = 'enableKeepAlive' | 'keepAliveWhenQuiet';
const booleanKeys: readonly string[] = ['enableKeepAlive', 'keepAliveWhenQuiet'] satisfies BooleanKey[];

const numericRules: Record<Exclude<keyof YamuxConfig, BooleanKey>, [Check, string]> = {
  acceptBacklog: [positiveInt, 'a positive integer'],
  keepAliveInterval: [positiveInt, 'a positive number of milliseconds'],
  keepAliveTimeout: [positiveInt, 'a positive number of milliseconds'],
  streamOpenTimeout: [positiveInt, 'a positive number of milliseconds'],
  maxConcurrentStreams: [positiveInt, 'a positive integer'],
  maxStreamWindow: [
    (v) => Number.isInteger(v) && v >= INITIAL_STREAM_WINDOW && v <= MAX_UINT32,
    `an integer from ${INITIAL_STREAM_WINDOW} (the spec's initial window) to ${MAX_UINT32}`,
  ],
  maxFrameSize: [
    (v) => Number.isInteger(v) && v >= 1024 && v <= INITIAL_STREAM_WINDOW,
    `an integer from 1024 to ${INITIAL_STREAM_WINDOW}`,
  ],
  maxSendBuffer: [(v) => Number.isInteger(v) && v >= 64 * 1024, 'an integer of at least 65536'],
  closeTimeout: [positiveInt, 'a positive number of milliseconds'],
};

/** Fills in defaults and rejects out-of-range values, naming the knob and what it accepts. */
export function resolveYamuxConfig(partial: Partial<YamuxConfig> = {}): YamuxConfig {
  const config: YamuxConfig = { ...defaultYamuxConfig };
  for (const [key, value] of Object.entries(partial) as [keyof YamuxConfig, unknown][]) {
    if (value === undefined) continue;
    if (!(key in defaultYamuxConfig)) {
      throw new YamuxError(YamuxErrorCode.InvalidConfig, `unknown yamux option "${key}"`);
    }
    if (booleanKeys.includes(key)) {
      if (typeof value !== 'boolean') {
        throw new YamuxError(YamuxErrorCode.InvalidConfig, `yamux option ${key} must be a boolean, got ${String(value)}`);
      }
      config[key as BooleanKey] = value;
      continue;
    }
    const numericKey = key as Exclude<keyof YamuxConfig, BooleanKey>;
    const [check, expected] = numericRules[numericKey];
    if (typeof value !== 'number' || !check(value)) {
      throw new YamuxError(YamuxErrorCode.InvalidConfig, `yamux option ${key} must be ${expected}, got ${String(value)}`);
    }
    config[numericKey] = value;
  }
  return config;
}
