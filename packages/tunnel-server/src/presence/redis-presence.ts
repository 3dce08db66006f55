import type { Redis } from 'ioredis';
import { connectRedis, DEFAULT_PRESENCE_PREFIX, unreachable } from './redis-connection.js';
import type { ConnectInfo, DevicePresence, Presence } from './presence.js';
import { scripts, type Script } from './redis-scripts.js';

export interface RedisPresenceOptions {
  /** Every key starts with it; nodes of one cluster share it. Default `tunnel:`, or `?prefix=` in the URL. */
  prefix?: string;
  /**
   * How long a node's liveness key and its sessions live without a refresh: the keepalive timeout.
   * A node that dies shows its devices Offline this long after its last refresh. Default 30 s.
   */
  ttlMs?: number;
  /**
   * Set on a server node: refresh its liveness key and the TTL of the sessions it holds this often
   * (default ttlMs / 3). Admin commands leave it unset and only read.
   */
  refreshMs?: number;
  nodeId?: string;
}

export const DEFAULT_PRESENCE_TTL_MS = 30_000;

type Fields = string[];

function fieldMap(flat: Fields): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i] as string, flat[i + 1] as string);
  return map;
}

function num(map: Map<string, string>, key: string): number | null {
  const v = map.get(key);
  return v === undefined ? null : Number(v);
}

function toPresence([uuid, dev, sess, alive]: [string, Fields, Fields, number]): DevicePresence {
  const d = fieldMap(dev);
  const s = fieldMap(sess);
  // A session whose node stopped refreshing is over, whether or not its key has expired yet.
  const live = alive === 1 && s.has('session');
  return {
    uuid,
    sessionId: live ? (s.get('session') ?? null) : null,
    nodeId: live ? (s.get('node') ?? null) : null,
    connectedAt: num(d, 'connectedAt'),
    disconnectedAt: num(d, 'disconnectedAt'),
    remoteAddress: d.get('remoteAddress') ?? null,
    agentVersion: d.get('agentVersion') ?? null,
    clockOffsetMs: num(d, 'clockOffsetMs'),
    lastHeartbeatAt: num(d, 'lastHeartbeatAt'),
    heartbeatIntervalMs: num(d, 'heartbeatIntervalMs'),
  };
}

/**
 * Presence shared by every node of a cluster, in Redis: a session key per connected device
 * (node, session id, epoch) that lives as long as its node keeps refreshing it, liveness keys per
 * node, and the facts that outlive a session. Writes that depend on what is there are Lua scripts
 * (see redis-scripts.ts), so a late disconnect from an old node can never undo a newer connect.
 */
export class RedisPresence implements Presence {
  /** Sessions this node holds, re-asserted on every refresh. */
  private readonly held = new Map<string, string>();
  private timer: NodeJS.Timeout | null = null;
  private readonly prefix: string;
  private readonly ttlMs: number;

  private constructor(
    private readonly redis: Redis,
    private readonly url: string,
    private readonly options: RedisPresenceOptions,
  ) {
    this.prefix = options.prefix ?? DEFAULT_PRESENCE_PREFIX;
    this.ttlMs = options.ttlMs ?? DEFAULT_PRESENCE_TTL_MS;
  }

  static async open(url: string, options: RedisPresenceOptions = {}): Promise<RedisPresence> {
    const { redis, prefix } = await connectRedis(url, options.prefix);
    const presence = new RedisPresence(redis, url, { ...options, prefix });
    if (options.nodeId !== undefined) presence.startRefreshing(options.refreshMs ?? Math.floor(presence.ttlMs / 3));
    return presence;
  }

  async connected(uuid: string, sessionId: string, info: ConnectInfo): Promise<void> {
    await this.run(scripts.connect, [
      this.prefix,
      uuid,
      sessionId,
      info.nodeId,
      info.at,
      info.remoteAddress,
      info.agentVersion,
      Math.round(info.clockOffsetMs),
      this.ttlMs,
    ]);
    if (info.nodeId === this.options.nodeId) this.held.set(uuid, sessionId);
  }

  async disconnected(uuid: string, sessionId: string, at: number): Promise<boolean> {
    if (this.held.get(uuid) === sessionId) this.held.delete(uuid);
    return (await this.run(scripts.disconnect, [this.prefix, uuid, sessionId, at])) === 1;
  }

  async heartbeat(uuid: string, at: number, intervalMs: number): Promise<void> {
    await this.run(scripts.heartbeat, [this.prefix, uuid, at, intervalMs]);
  }

  async get(uuid: string): Promise<DevicePresence | null> {
    const [found] = await this.read([uuid]);
    return found ?? null;
  }

  async list(): Promise<DevicePresence[]> {
    return this.read([]);
  }

  async clearNode(nodeId: string, at: number): Promise<void> {
    if (nodeId === this.options.nodeId) this.held.clear();
    await this.run(scripts.clearNode, [this.prefix, nodeId, at]);
  }

  async forget(uuid: string): Promise<void> {
    this.held.delete(uuid);
    await this.run(scripts.forget, [this.prefix, uuid]);
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  /** One keepalive round now (the timer calls it; tests call it to skip the wait). */
  async refresh(): Promise<void> {
    const nodeId = this.options.nodeId;
    if (nodeId === undefined) return;
    const pairs = [...this.held].flat();
    await this.run(scripts.refresh, [this.prefix, nodeId, Date.now(), this.ttlMs, ...pairs]);
  }

  private startRefreshing(everyMs: number): void {
    this.timer = setInterval(() => {
      // A missed round is retried by the next one; the TTL leaves room for two of them.
      this.refresh().catch(() => undefined);
    }, everyMs);
    this.timer.unref();
  }

  /** Runs a script; a Redis that stopped answering is reported as such, with the fix. */
  private async run(script: Script, args: readonly (string | number)[]): Promise<unknown> {
    try {
      return await script.run(this.redis, args);
    } catch (err) {
      // Redis answered with an error: a bug to see as it is, not a connection problem.
      if (err instanceof Error && err.name === 'ReplyError') throw err;
      throw unreachable(this.url, err);
    }
  }

  private async read(uuids: string[]): Promise<DevicePresence[]> {
    const rows = (await this.run(scripts.read, [this.prefix, ...uuids])) as [string, Fields, Fields, number][];
    return rows.map(toPresence);
  }
}
