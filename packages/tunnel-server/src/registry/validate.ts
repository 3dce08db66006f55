import { randomBytes } from 'node:crypto';
import { RegistryError, RegistryErrorCode } from './errors.js';
import { DEFAULT_AUDIT_LIMIT, DEFAULT_SUPPORT_PORTS, MAX_AUDIT_LIMIT, ROLES, type AuditOutcome, type NewAuditEntry, type NewSupportGrant, type Role } from './types.js';

/** Shorter prefixes would collide too often in a large fleet to be worth resolving. */
export const MIN_UUID_PREFIX = 7;

const UUID = /^[0-9a-f]{32}$/;
const HEX = /^[0-9a-f]+$/;
/**
 * Names are typed on command lines and put in URLs, so: no spaces, no shell or URL
 * metacharacters, and not starting with '-' (it would read as an option).
 */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;

/** A new device uuid in the balena format: 16 random bytes as 32 lowercase hex characters. */
export function newDeviceUuid(): string {
  return randomBytes(16).toString('hex');
}

export function isDeviceUuid(value: string): boolean {
  return UUID.test(value);
}

/** True for what could be the start of a uuid long enough to resolve (any case). */
export function isUuidPrefix(value: string): boolean {
  return value.length >= MIN_UUID_PREFIX && value.length <= 32 && HEX.test(value.toLowerCase());
}

export function checkDeviceUuid(uuid: string): string {
  if (!isDeviceUuid(uuid)) {
    throw new RegistryError(RegistryErrorCode.InvalidUuid, `device uuid ${JSON.stringify(uuid)} is not 32 lowercase hex characters`);
  }
  return uuid;
}

export function checkName(what: string, name: string): string {
  if (!NAME.test(name)) {
    throw new RegistryError(
      RegistryErrorCode.InvalidName,
      `${what} name ${JSON.stringify(name)} is invalid: use 1 to 64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

/** Turns a role typed on a command line into a Role, or throws ERR_REGISTRY_INVALID_ROLE. */
export function checkRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new RegistryError(RegistryErrorCode.InvalidRole, `role ${JSON.stringify(role)} is not one of ${ROLES.join(', ')}`);
  }
  return role as Role;
}

export function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RegistryError(RegistryErrorCode.InvalidPort, `port ${String(port)} is not an integer from 1 to 65535`);
  }
  return port;
}

/** Sorted and without repeats, so equal port sets compare and display the same. */
/** A login name for ssh: what OpenSSH accepts for a user, without spaces or shell characters. */
export function checkSshUser(user: string): string {
  if (!/^[a-z_][a-z0-9_.-]{0,31}$/i.test(user)) {
    throw new RegistryError(RegistryErrorCode.InvalidName, `ssh user ${JSON.stringify(user)} is invalid: use 1 to 32 letters, digits, '_', '.' or '-', starting with a letter or '_'`);
  }
  return user;
}

export function checkPorts(ports: readonly number[]): number[] {
  if (ports.length === 0) throw new RegistryError(RegistryErrorCode.InvalidPort, 'a support grant needs at least one port');
  return [...new Set(ports.map(checkPort))].sort((a, b) => a - b);
}

export function checkTimestamp(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RegistryError(RegistryErrorCode.InvalidValue, `${what} ${String(value)} is not a time in milliseconds since the epoch`);
  }
  return value;
}

export function checkCount(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RegistryError(RegistryErrorCode.InvalidValue, `${what} ${String(value)} is not a non-negative integer`);
  }
  return value;
}

export function checkNonEmpty(what: string, value: string): string {
  if (value.length === 0) throw new RegistryError(RegistryErrorCode.InvalidValue, `${what} must not be empty`);
  return value;
}

/** The row limit of an audit query: DEFAULT_AUDIT_LIMIT when absent. */
export function checkAuditLimit(limit: number = DEFAULT_AUDIT_LIMIT): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_AUDIT_LIMIT) {
    throw new RegistryError(RegistryErrorCode.InvalidValue, `limit ${String(limit)} is not an integer from 1 to ${MAX_AUDIT_LIMIT}`);
  }
  return limit;
}

/** A new stream's audit fields, checked; startedAt defaults to `now`. */
/** The audit_log columns of a new entry, in the order AUDIT_INSERT_COLUMNS names them. */
export function checkAuditEntry(entry: NewAuditEntry, now: number): [string, string, string, number, number, string, string | null, string | null, string | null, string | null] {
  // Only presence is checked, not the uuid format or existence: an attempt on a device that
  // is gone or mistyped is exactly what the audit log must still record.
  const kind = entry.kind ?? 'stream';
  checkNonEmpty('user', entry.user);
  if (kind === 'stream') {
    checkNonEmpty('deviceUuid', entry.deviceUuid);
    checkNonEmpty('targetHost', entry.targetHost);
    checkPort(entry.targetPort);
  } else {
    checkNonEmpty('action', entry.action ?? '');
  }
  const startedAt = entry.startedAt === undefined ? now : checkTimestamp('startedAt', entry.startedAt);
  return [entry.user, entry.deviceUuid, entry.targetHost, entry.targetPort, startedAt, kind, entry.sourceAddress ?? null, entry.accessPath ?? null, entry.action ?? null, entry.subject ?? null];
}

/** The columns checkAuditEntry gives values for, in its order. */
export const AUDIT_INSERT_COLUMNS = 'user_name, device_uuid, target_host, target_port, started_at, kind, source_address, access_path, action, subject';

/** The ended_at, bytes_up, bytes_down and result columns of a finished stream, in that order. */
export function auditOutcomeValues(outcome: AuditOutcome, now: number): [number, number, number, string] {
  return [
    outcome.endedAt === undefined ? now : checkTimestamp('endedAt', outcome.endedAt),
    checkCount('bytesUp', outcome.bytesUp),
    checkCount('bytesDown', outcome.bytesDown),
    checkNonEmpty('result', outcome.result),
  ];
}

export function checkExpiry(expiresAt: number, now: number): void {
  if (expiresAt <= now) {
    throw new RegistryError(
      RegistryErrorCode.InvalidExpiry,
      `expiry ${new Date(expiresAt).toISOString()} is not in the future (now ${new Date(now).toISOString()})`,
    );
  }
}

/** A new grant's ports (DEFAULT_SUPPORT_PORTS when absent), sorted, after checking its fields. */
export function checkNewGrant(grant: NewSupportGrant): number[] {
  const ports = checkPorts(grant.ports ?? DEFAULT_SUPPORT_PORTS);
  checkNonEmpty('createdBy', grant.createdBy);
  checkTimestamp('expiresAt', grant.expiresAt);
  return ports;
}
