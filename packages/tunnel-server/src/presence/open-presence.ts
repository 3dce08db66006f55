import type { Presence } from './presence.js';
import { RedisPresence } from './redis-presence.js';
import { SqlitePresence } from './sqlite-presence.js';

export interface PresenceLocation {
  /** redis:// URL of a cluster's shared presence; without it, SQLite in dataDir. */
  url?: string;
  dataDir: string;
  /** A server node: keeps its liveness key and its sessions' TTL fresh (Redis). */
  node?: { id: string; ttlMs: number };
}

/** The presence a server or admin command was pointed at. */
export async function openConfiguredPresence(where: PresenceLocation): Promise<Presence> {
  if (where.url === undefined) return SqlitePresence.open(where.dataDir);
  return RedisPresence.open(where.url, where.node ? { nodeId: where.node.id, ttlMs: where.node.ttlMs } : {});
}
