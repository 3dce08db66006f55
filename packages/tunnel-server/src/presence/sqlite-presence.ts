import path from 'node:path';
import Database from 'better-sqlite3';
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
 * The embedded presence: a small SQLite file in the data directory, so admin commands run as
 * separate processes (`tunnel-server device list`) see what the running server sees.
 * Writes are single-row upserts; WAL keeps readers from blocking the server.
 */
export class SqlitePresence implements Presence {
  private readonly db: Database.Database;

  private constructor(db: Database.Database) {
    this.db = db;
  }

  static open(dataDir: string): SqlitePresence {
    const db = new Database(path.join(dataDir, 'presence.db'));
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
    db.exec(`CREATE TABLE IF NOT EXISTS presence (
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
    )`);
    return new SqlitePresence(db);
  }

  async connected(uuid: string, sessionId: string, info: ConnectInfo): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO presence (uuid, session_id, node_id, connected_at, remote_address, agent_version, clock_offset_ms)
         VALUES (@uuid, @sessionId, @nodeId, @at, @remoteAddress, @agentVersion, @clockOffsetMs)
         ON CONFLICT(uuid) DO UPDATE SET session_id = @sessionId, node_id = @nodeId, connected_at = @at,
           remote_address = @remoteAddress, agent_version = @agentVersion, clock_offset_ms = @clockOffsetMs`,
      )
      .run({ uuid, sessionId, ...info, clockOffsetMs: Math.round(info.clockOffsetMs) });
  }

  async disconnected(uuid: string, sessionId: string, at: number): Promise<boolean> {
    const r = this.db
      .prepare('UPDATE presence SET session_id = NULL, node_id = NULL, disconnected_at = ? WHERE uuid = ? AND session_id = ?')
      .run(at, uuid, sessionId);
    return r.changes > 0;
  }

  async heartbeat(uuid: string, at: number, intervalMs: number): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO presence (uuid, last_heartbeat_at, heartbeat_interval_ms) VALUES (?, ?, ?)
         ON CONFLICT(uuid) DO UPDATE SET last_heartbeat_at = excluded.last_heartbeat_at, heartbeat_interval_ms = excluded.heartbeat_interval_ms`,
      )
      .run(uuid, at, intervalMs);
  }

  async get(uuid: string): Promise<DevicePresence | null> {
    const row = this.db.prepare('SELECT * FROM presence WHERE uuid = ?').get(uuid) as Row | undefined;
    return row ? toPresence(row) : null;
  }

  async list(): Promise<DevicePresence[]> {
    return (this.db.prepare('SELECT * FROM presence').all() as Row[]).map(toPresence);
  }

  async clearNode(nodeId: string, at: number): Promise<void> {
    this.db.prepare('UPDATE presence SET session_id = NULL, node_id = NULL, disconnected_at = ? WHERE node_id = ?').run(at, nodeId);
  }

  async forget(uuid: string): Promise<void> {
    this.db.prepare('DELETE FROM presence WHERE uuid = ?').run(uuid);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
