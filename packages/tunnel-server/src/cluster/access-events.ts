import type { Redis } from 'ioredis';
import { connectRedis } from '../presence/redis-connection.js';

/**
 * "Access was withdrawn somewhere" (a user removed, a token rotated, a support grant or fleet
 * membership revoked), told to every node of a cluster over Redis pub/sub so each re-checks its
 * live streams at once instead of at its next once-a-second poll. The poll stays: a node that
 * missed a message (Redis restarting) still cuts the stream within a second.
 *   channel P access-changed, message: what changed, for the logs
 */
const CHANNEL = 'access-changed';

export class AccessEvents {
  private constructor(private readonly redis: Redis) {}

  /** Subscribes; `changed` runs for every announcement until close(). */
  static async subscribe(url: string, changed: (what: string) => void): Promise<AccessEvents> {
    const { redis, prefix } = await connectRedis(url);
    redis.on('message', (_channel: string, what: string) => changed(what));
    await redis.subscribe(prefix + CHANNEL);
    return new AccessEvents(redis);
  }

  /** Tells every node that access changed; resolves with how many nodes heard it. */
  static async announce(url: string, what: string): Promise<number> {
    const { redis, prefix } = await connectRedis(url);
    try {
      return await redis.publish(prefix + CHANNEL, what);
    } finally {
      await redis.quit().catch(() => redis.disconnect());
    }
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
