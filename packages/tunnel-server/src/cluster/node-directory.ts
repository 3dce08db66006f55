import type { Redis } from 'ioredis';
import { connectRedis, unreachable } from '../presence/redis-connection.js';

/**
 * Where each node of a cluster takes relayed streams (its --cluster-advertise address), kept in
 * the presence Redis beside the node's liveness key and with the same TTL: a node that dies stops
 * being dialled once its key lapses, as its devices turn Offline.
 *   P link:<node>  string with TTL: host:port of the node's link listener
 */
export class NodeDirectory {
  private timer: NodeJS.Timeout | null = null;

  private constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly url: string,
    private readonly ttlMs: number,
  ) {}

  static async open(url: string, ttlMs: number): Promise<NodeDirectory> {
    const { redis, prefix } = await connectRedis(url);
    return new NodeDirectory(redis, prefix, url, ttlMs);
  }

  /** Publishes this node's address now and keeps it fresh until close(). */
  async publish(nodeId: string, address: string): Promise<void> {
    const write = (): Promise<unknown> => this.redis.set(this.key(nodeId), address, 'PX', this.ttlMs);
    await this.call(write);
    this.timer = setInterval(() => void write().catch(() => undefined), Math.floor(this.ttlMs / 3));
    this.timer.unref();
  }

  /** The node's link address, or null when it publishes none (dead, or without --cluster-listen). */
  async address(nodeId: string): Promise<string | null> {
    return this.call(() => this.redis.get(this.key(nodeId)));
  }

  /** Every node that publishes a link address now. */
  async nodes(): Promise<string[]> {
    const pattern = this.key('*');
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.call(() => this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 100));
      cursor = next;
      found.push(...keys.map((k) => k.slice(this.key('').length)));
    } while (cursor !== '0');
    return found;
  }

  /** Stops publishing; `withdraw` also removes the address at once (a graceful stop). */
  async close(withdraw?: string): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (withdraw !== undefined) await this.redis.del(this.key(withdraw)).catch(() => undefined);
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private key(nodeId: string): string {
    return `${this.prefix}link:${nodeId}`;
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      throw unreachable(this.url, err);
    }
  }
}
