import path from 'node:path';
import { Connection } from '../registry/sqlite/connection.js';
import type { Schema } from '../registry/sqlite/migrations.js';
import type { ConnectInfo, DevicePresence, Presence } from './presence.js';

interface Row {
  uuid: string;
  session_id: string | null;
  node_id: string | null;
  connected_at: number | null;
  disconnected_at: number | null;
  remote_address: string | null;
  agent_version: string | null;
  clock_offset_ms: number | null;
  last_heartbeat_at: number | null;
  heartbeat_interval_ms: number | null;
}

function toPresence(r: Row): DevicePresence {
  return {
    uuid: r.uuid,
    sessionId: r.session_id,
    nodeId: r.node_id,
    connectedAt: r.connected_at,
    disconnectedAt: r.disconnected_at,
    remoteAddress: r.remote_address,
    agentVersion: r.agent_version,
    clockOffsetMs: r.clock_offset_ms,
    lastHeartbeatAt: r.last_heartbeat_at,
    heartbeatIntervalMs: r.heartbeat_interval_ms,
  };
}

/**
 * presence.db's schema, versioned like the registry's (append steps, never edit one). The first
 * step keeps IF NOT EXISTS: files written before versioning already hold this table at version 0.
 */
export const PRESENCE_SCHEMA: Schema = {
  name: 'presence',
  migrations: [
    `CREATE TABLE IF NOT EXISTS presence (
      uuid TEXT PRIMARY KEY,
      session_id TEXT,
      node_id TEXT,
      connected_at INTEGER,
      disconnected_at INTEGER,
      remote_address TEXT,
      agent_version TEXT,
      clock_offset_ms INTEGER,
      last_heartbeat_at INTEGER,
      heartbeat_interval_ms INTEGER
    )`,
  ],
};

export const PRESENCE_FILE = 'presence.db';

/**
 * The embedded presence: a small SQLite file in the data directory, so admin commands run as
 * separate processes (`tunnel-server device list`) see what the running server sees.
 * Writes are single-row upserts; WAL keeps readers from blocking the server. It goes through the
 * registry's connection layer (statement cache, migrations, coded errors) on a file of its own.
 */
export class SqlitePresence implements Presence {
  private constructor(private readonly db: Connection) {}

  static open(dataDir: string): SqlitePresence {
    return new SqlitePresence(
      Connection.open(path.join(dataDir, PRESENCE_FILE), {
        create: true,
        busyTimeoutMs: 5000,
        now: Date.now,
        schema: PRESENCE_SCHEMA,
        // Lost on power loss at worst: the last connects and heartbeats, which devices repeat.
        synchronous: 'NORMAL',
      }),
    );
  }

  async connected(uuid: string, sessionId: string, info: ConnectInfo): Promise<void> {
    this.db.run(
      `INSERT INTO presence (uuid, session_id, node_id, connected_at, remote_address, agent_version, clock_offset_ms)
       VALUES (@uuid, @sessionId, @nodeId, @at, @remoteAddress, @agentVersion, @clockOffsetMs)
       ON CONFLICT(uuid) DO UPDATE SET session_id = @sessionId, node_id = @nodeId, connected_at = @at,
         remote_address = @remoteAddress, agent_version = @agentVersion, clock_offset_ms = @clockOffsetMs`,
      { uuid, sessionId, ...info, clockOffsetMs: Math.round(info.clockOffsetMs) },
    );
  }

  async disconnected(uuid: string, sessionId: string, at: number): Promise<boolean> {
    const r = this.db.run('UPDATE presence SET session_id = NULL, node_id = NULL, disconnected_at = ? WHERE uuid = ? AND session_id = ?', [at, uuid, sessionId]);
    return r.changes > 0;
  }

  async heartbeat(uuid: string, at: number, intervalMs: number): Promise<void> {
    this.db.run(
      `INSERT INTO presence (uuid, last_heartbeat_at, heartbeat_interval_ms) VALUES (?, ?, ?)
       ON CONFLICT(uuid) DO UPDATE SET last_heartbeat_at = excluded.last_heartbeat_at, heartbeat_interval_ms = excluded.heartbeat_interval_ms`,
      [uuid, at, intervalMs],
    );
  }

  async get(uuid: string): Promise<DevicePresence | null> {
    const row = this.db.get<Row>('SELECT * FROM presence WHERE uuid = ?', [uuid]);
    return row ? toPresence(row) : null;
  }

  async list(): Promise<DevicePresence[]> {
    return this.db.all<Row>('SELECT * FROM presence').map(toPresence);
  }

  async clearNode(nodeId: string, at: number): Promise<void> {
    this.db.run('UPDATE presence SET session_id = NULL, node_id = NULL, disconnected_at = ? WHERE node_id = ?', [at, nodeId]);
  }

  async forget(uuid: string): Promise<void> {
    this.db.run('DELETE FROM presence WHERE uuid = ?', [uuid]);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
