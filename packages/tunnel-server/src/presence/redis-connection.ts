import { Redis } from 'ioredis';
import { maskPassword } from '../mask-password.js';
import { PresenceError, PresenceErrorCode } from './errors.js';

export const DEFAULT_PRESENCE_PREFIX = 'tunnel:';

export interface RedisConnection {
  redis: Redis;
  /** Every key of the cluster starts with it: `?prefix=` in the URL, else the given default. */
  prefix: string;
}

/**
 * Connects to the --presence URL. Presence and the cluster's node directory both keep their keys
 * there, so they read the URL, its key prefix and its failures the same way.
 */
export async function connectRedis(url: string, defaultPrefix = DEFAULT_PRESENCE_PREFIX): Promise<RedisConnection> {
  const parsed = URL.canParse(url) && /^rediss?:\/\//.test(url) ? new URL(url) : undefined;
  if (parsed === undefined) {
    throw new PresenceError(
      PresenceErrorCode.InvalidUrl,
      `presence URL ${JSON.stringify(maskPassword(url))} must be redis://[user:password@]host[:port][/db][?prefix=P] or rediss://... (flag --presence, config key "presence", env TUNNEL_PRESENCE)`,
    );
  }
  // ?prefix= picks the key prefix (several clusters or test runs on one Redis); ioredis must not see it.
  const prefix = parsed.searchParams.get('prefix') ?? defaultPrefix;
  parsed.searchParams.delete('prefix');
  const redis = new Redis(parsed.toString(), {
    lazyConnect: true,
    connectTimeout: 5_000,
    // A command fails after one reconnect attempt instead of waiting forever for Redis: the
    // caller reports it, and sessions already up keep working.
    maxRetriesPerRequest: 1,
  });
  // Reported through the failing commands; without a listener ioredis would print each retry.
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (err) {
    redis.disconnect();
    throw unreachable(url, err);
  }
  return { redis, prefix };
}

export function unreachable(url: string, err: unknown): PresenceError {
  return new PresenceError(
    PresenceErrorCode.Unreachable,
    `presence at ${maskPassword(url)} did not answer (${err instanceof Error ? err.message : String(err)}): check that Redis runs and the --presence URL ` +
      '(flag, config key "presence" or TUNNEL_PRESENCE)',
    { cause: err },
  );
}
