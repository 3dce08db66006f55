/**
 * Presence: the live, fast-changing half of a device's state (is its tunnel up, when did it last
 * send a heartbeat). Kept apart from the registry so a scale-out deployment can put it on Redis
 * while the registry moves to PostgreSQL, without touching the tunnel code.
 */
export interface DevicePresence {
  uuid: string;
  /** Id of the tunnel session that is up now, or null. */
  sessionId: string | null;
  /** Server node holding that session. */
  nodeId: string | null;
  connectedAt: number | null;
  disconnectedAt: number | null;
  remoteAddress: string | null;
  agentVersion: string | null;
  /** Device clock minus server clock, as measured at connect. */
  clockOffsetMs: number | null;
  lastHeartbeatAt: number | null;
  /** The interval the device announced with its last heartbeat. */
  heartbeatIntervalMs: number | null;
}

export interface ConnectInfo {
  nodeId: string;
  remoteAddress: string;
  agentVersion: string;
  clockOffsetMs: number;
  at: number;
}

export interface Presence {
  /** Records that sessionId is now the device's session, replacing any older one. */
  connected(uuid: string, sessionId: string, info: ConnectInfo): Promise<void>;
  /**
   * Records the end of sessionId. Returns false and changes nothing if a newer session has
   * replaced it: a late close of an old session must never mark a reconnected device offline.
   */
  disconnected(uuid: string, sessionId: string, at: number): Promise<boolean>;
  heartbeat(uuid: string, at: number, intervalMs: number): Promise<void>;
  get(uuid: string): Promise<DevicePresence | null>;
  list(): Promise<DevicePresence[]>;
  /** Marks every session of a node disconnected (the node restarted or died). */
  clearNode(nodeId: string, at: number): Promise<void>;
  /** Drops everything known about a removed device. */
  forget(uuid: string): Promise<void>;
  close(): Promise<void>;
}
