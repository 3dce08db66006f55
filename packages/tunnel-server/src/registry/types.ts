/**
 * The registry: durable facts about devices, users, fleets, support grants and streams.
 *
 * Backend-neutral on purpose: the embedded server keeps it in SQLite, a scaled-out deployment
 * will keep it in PostgreSQL, and nothing that uses it may tell the difference. Hence async
 * methods everywhere (a network database cannot answer synchronously), plain data records, and
 * every timestamp as milliseconds since the Unix epoch (a number survives JSON, SQL and
 * arithmetic on expiry without time-zone or parsing surprises).
 */

/** Milliseconds since the Unix epoch. */
export type EpochMs = number;

export type Role = 'admin' | 'developer' | 'support';

export const ROLES: readonly Role[] = ['admin', 'developer', 'support'];

/** The last thing that went wrong when this device tried to connect, as the server saw it. */
export interface DeviceConnectionError {
  code: string;
  message: string;
  at: EpochMs;
}

/**
 * Facts about a device's connections that outlive a server restart, so the dashboard can still
 * say "last seen from 203.0.113.7, clock 4 h behind" about a device that is offline now.
 * Whether it is connected right now is presence, not registry.
 */
export interface DeviceStatusFacts {
  lastError: DeviceConnectionError | null;
  lastRemoteAddress: string | null;
  agentVersion: string | null;
  /** Device clock minus server clock, as last measured. */
  clockOffsetMs: number | null;
  lastConnectedAt: EpochMs | null;
  lastDisconnectedAt: EpochMs | null;
}

export interface DeviceRecord extends DeviceStatusFacts {
  /** 32 lowercase hex characters. */
  uuid: string;
  /** Unique in the registry. */
  name: string;
  fleet: string | null;
  /** The device's public key, opaque to the registry; the device's secret is never stored. */
  authPublicKey: string;
  createdAt: EpochMs;
}

export interface NewDevice {
  /** Generated with newDeviceUuid() when absent. */
  uuid?: string;
  /** `device-<first 7 of uuid>` (longer when taken) when absent. */
  name?: string;
  fleet?: string | null;
  authPublicKey: string;
}

export interface DeviceChanges {
  name?: string;
  fleet?: string | null;
}

export interface DeviceFilter {
  fleet?: string;
}

export interface DeviceRegistry {
  create(device: NewDevice): Promise<DeviceRecord>;
  get(uuid: string): Promise<DeviceRecord | null>;
  /**
   * Resolves what a person typed: a full uuid or an exact name gives that one device; otherwise
   * every device whose uuid starts with `ref` (at least MIN_UUID_PREFIX hex characters, any case).
   * More than one result is an ambiguity for the caller to report; none means no match.
   */
  find(ref: string): Promise<DeviceRecord[]>;
  /** Ordered by name. */
  list(filter?: DeviceFilter): Promise<DeviceRecord[]>;
  update(uuid: string, changes: DeviceChanges): Promise<DeviceRecord>;
  /** Only the facts present in `facts` change; null clears one. */
  recordStatus(uuid: string, facts: Partial<DeviceStatusFacts>): Promise<void>;
  /** Also drops the device's support grants. Audit rows about it stay. */
  remove(uuid: string): Promise<void>;
  /**
   * An opaque value that changes whenever devices may have changed, in this process or in another
   * one sharing the registry (an admin command). Equal values mean nothing changed, so a watcher
   * can skip listing every device.
   */
  changeMarker(): Promise<string>;
}

export interface UserRecord {
  name: string;
  role: Role;
  createdAt: EpochMs;
}

/** A user and the API token that was just issued; the token is not retrievable later. */
export interface IssuedToken {
  user: UserRecord;
  token: string;
}

export interface UserRegistry {
  create(name: string, role: Role): Promise<IssuedToken>;
  get(name: string): Promise<UserRecord | null>;
  /** Ordered by name; never includes tokens. */
  list(): Promise<UserRecord[]>;
  setRole(name: string, role: Role): Promise<UserRecord>;
  /** Issues a new token; the previous one stops working at once. */
  rotateToken(name: string): Promise<IssuedToken>;
  /** Also drops the user's token and fleet memberships. Audit rows naming the user stay. */
  remove(name: string): Promise<void>;
  /** The token's owner, or null for an unknown, revoked or malformed token. */
  authenticate(token: string): Promise<UserRecord | null>;
}

export interface FleetRecord {
  name: string;
  createdAt: EpochMs;
}

export interface FleetRegistry {
  create(name: string): Promise<FleetRecord>;
  get(name: string): Promise<FleetRecord | null>;
  list(): Promise<FleetRecord[]>;
  /** Refused while devices belong to the fleet; drops its memberships and support grants. */
  remove(name: string): Promise<void>;
  addMember(fleet: string, user: string): Promise<void>;
  removeMember(fleet: string, user: string): Promise<void>;
  members(fleet: string): Promise<UserRecord[]>;
  /** Names of the fleets a user is a member of, ordered by name. */
  fleetsOf(user: string): Promise<string[]>;
}

export type GrantScope = { kind: 'device'; deviceUuid: string } | { kind: 'fleet'; fleet: string };

export interface SupportGrantRecord {
  id: number;
  scope: GrantScope;
  ports: number[];
  createdBy: string;
  createdAt: EpochMs;
  expiresAt: EpochMs;
  revokedAt: EpochMs | null;
}

export const DEFAULT_SUPPORT_PORTS: readonly number[] = [22222];

export interface NewSupportGrant {
  scope: GrantScope;
  /** DEFAULT_SUPPORT_PORTS when absent. */
  ports?: number[];
  /** Who granted it: a user name or an operator's label; kept as text so it outlives the user. */
  createdBy: string;
  /** Must lie in the future. */
  expiresAt: EpochMs;
}

/** Grants on these devices (each device's own grants only) or on this fleet. */
export type GrantTarget = { deviceUuids: string[] } | { fleet: string };

export interface GrantFilter {
  /** Grants that apply to this device: its own and its fleet's. */
  deviceUuid?: string;
  fleet?: string;
  /** Expired and revoked grants too. Default false. */
  includeInactive?: boolean;
  /** The moment "active" refers to. Default now. */
  at?: EpochMs;
}

export interface SupportGrantRegistry {
  create(grant: NewSupportGrant): Promise<SupportGrantRecord>;
  get(id: number): Promise<SupportGrantRecord | null>;
  /** Revokes the target's active grants now and returns them; none active is not an error. */
  revoke(target: GrantTarget): Promise<SupportGrantRecord[]>;
  /** Newest first. */
  list(filter?: GrantFilter): Promise<SupportGrantRecord[]>;
  /**
   * Grants active at `at` (default now) that let support reach `port` on the device, directly or
   * through its fleet; latest expiry first. An unknown device has none.
   */
  covering(deviceUuid: string, port: number, at?: EpochMs): Promise<SupportGrantRecord[]>;
}

/** A stream someone opened (or was refused), or an admin's change (device, user, token, grant). */
export type AuditKind = 'stream' | 'admin';

/** How a stream's user came in. */
export type AccessPath = 'tunnel' | 'proxy-command' | 'connect' | 'proxy-request' | 'terminal';

export interface NewAuditEntry {
  /** Default 'stream'. */
  kind?: AuditKind;
  /** The user of a stream; the actor of an admin action. */
  user: string;
  /** The device (or the reference given, when it named none); empty for an admin action on no device. */
  deviceUuid: string;
  /** A stream's target; empty and 0 for an admin action. */
  targetHost: string;
  targetPort: number;
  /** Default now. */
  startedAt?: EpochMs;
  /** The address the request came from. */
  sourceAddress?: string;
  accessPath?: AccessPath;
  /** An admin action, e.g. "device-add", "token-create". */
  action?: string;
  /** What an admin action was done to, e.g. the user's name or "grant #3". */
  subject?: string;
}

export interface AuditOutcome {
  /** Default now. */
  endedAt?: EpochMs;
  bytesUp: number;
  bytesDown: number;
  /** The stream-open result or how the stream ended, e.g. "ok", "access-denied". */
  result: string;
}

/** One stream. `endedAt` and `result` stay null while it is open (or if the server died). */
export interface AuditRecord {
  id: number;
  user: string;
  deviceUuid: string;
  targetHost: string;
  targetPort: number;
  startedAt: EpochMs;
  endedAt: EpochMs | null;
  bytesUp: number;
  bytesDown: number;
  result: string | null;
  kind: AuditKind;
  sourceAddress: string | null;
  accessPath: AccessPath | null;
  action: string | null;
  subject: string | null;
}

export interface AuditFilter {
  deviceUuid?: string;
  user?: string;
  /** Streams started at or after this moment. */
  since?: EpochMs;
  /** Default DEFAULT_AUDIT_LIMIT, at most MAX_AUDIT_LIMIT. */
  limit?: number;
}

export const DEFAULT_AUDIT_LIMIT = 100;
export const MAX_AUDIT_LIMIT = 10_000;

export interface AuditRegistry {
  /** Records a stream and returns its id. */
  start(entry: NewAuditEntry): Promise<number>;
  finish(id: number, outcome: AuditOutcome): Promise<void>;
  /** Newest first. */
  query(filter?: AuditFilter): Promise<AuditRecord[]>;
  /** Deletes streams started before `before`; returns how many. */
  prune(before: EpochMs): Promise<number>;
  /**
   * Closes every entry still open, with result AUDIT_INTERRUPTED: run at start, when no stream
   * can be live, for the entries a crash or kill -9 left open. Returns how many.
   */
  closeInterrupted(endedAt: EpochMs): Promise<number>;
}

/** Result of an audit entry whose stream was cut by a crash of the server that carried it. */
export const AUDIT_INTERRUPTED = 'interrupted';

/**
 * How the browser terminal logs in to a device's sshd, set on a fleet or on one device. A null
 * field inherits: a device's from its fleet's, a fleet's from the server's --terminal-ssh-* flags.
 */
export interface TerminalLogin {
  sshPort: number | null;
  sshUser: string | null;
}

export const INHERITED_LOGIN: TerminalLogin = { sshPort: null, sshUser: null };

export interface TerminalLoginRegistry {
  /** The scope's own setting (INHERITED_LOGIN when it has none). */
  get(scope: GrantScope): Promise<TerminalLogin>;
  /** Changes the fields present in `changes`; null makes a field inherit again. */
  set(scope: GrantScope, changes: Partial<TerminalLogin>): Promise<TerminalLogin>;
  /** The device's own fields, where null its fleet's. An unknown device inherits everything. */
  forDevice(deviceUuid: string): Promise<TerminalLogin>;
}

export interface Registry {
  readonly devices: DeviceRegistry;
  readonly users: UserRegistry;
  readonly fleets: FleetRegistry;
  readonly grants: SupportGrantRegistry;
  readonly audit: AuditRegistry;
  readonly terminalLogins: TerminalLoginRegistry;
  /**
   * An opaque value that changes whenever users, tokens, fleets, memberships, support grants or
   * devices may have changed, here or in another process sharing the registry; equal values mean
   * what was read from it still holds. Undefined when the registry cannot tell without a query as
   * costly as the reads it would save (PostgreSQL): then nothing may be kept.
   */
  accessMarker(): Promise<string | undefined>;
  /** Idempotent. Any later call fails with ERR_REGISTRY_CLOSED. */
  close(): Promise<void>;
}
