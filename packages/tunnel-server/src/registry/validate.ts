import { randomBytes } from 'node:crypto';
import { RegistryError, RegistryErrorCode } from './errors.js';
import { ROLES, type Role } from './types.js';

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
