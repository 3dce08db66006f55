import { CodedError } from '@tunnel/protocol/errors';

/** Stable codes for everything the registry can fail with, whatever the backend. */
export const RegistryErrorCode = {
  /** No device, user, fleet, membership, grant or audit entry by that key. */
  NotFound: 'ERR_REGISTRY_NOT_FOUND',
  /** A device, user or fleet of that name exists already. */
  DuplicateName: 'ERR_REGISTRY_DUPLICATE_NAME',
  /** A device with that uuid exists already. */
  DuplicateUuid: 'ERR_REGISTRY_DUPLICATE_UUID',
  /** The user is a member of that fleet already. */
  DuplicateMember: 'ERR_REGISTRY_DUPLICATE_MEMBER',
  InvalidName: 'ERR_REGISTRY_INVALID_NAME',
  InvalidUuid: 'ERR_REGISTRY_INVALID_UUID',
  InvalidRole: 'ERR_REGISTRY_INVALID_ROLE',
  InvalidPort: 'ERR_REGISTRY_INVALID_PORT',
  /** An expiry that is not in the future. */
  InvalidExpiry: 'ERR_REGISTRY_INVALID_EXPIRY',
  /** Any other argument out of range: a negative byte count, an empty key, a bad limit. */
  InvalidValue: 'ERR_REGISTRY_INVALID_VALUE',
  /** A fleet that still has devices cannot be removed. */
  FleetInUse: 'ERR_REGISTRY_FLEET_IN_USE',
  /** Opening without create found no registry at the path. */
  Missing: 'ERR_REGISTRY_MISSING',
  /** The data directory or database file cannot be created or written, or the disk is full. */
  Unwritable: 'ERR_REGISTRY_UNWRITABLE',
  /** Another process held the write lock for longer than the busy timeout. */
  Busy: 'ERR_REGISTRY_BUSY',
  /** The file is not a registry database or is damaged. */
  Corrupt: 'ERR_REGISTRY_CORRUPT',
  /** The file was written by a newer version whose schema this one does not know. */
  SchemaTooNew: 'ERR_REGISTRY_SCHEMA_TOO_NEW',
  /** A network registry (PostgreSQL) did not answer or refused the login. */
  Unreachable: 'ERR_REGISTRY_UNREACHABLE',
  /** The registry was used after close(). */
  Closed: 'ERR_REGISTRY_CLOSED',
} as const;

export type RegistryErrorCode = (typeof RegistryErrorCode)[keyof typeof RegistryErrorCode];

export class RegistryError extends CodedError<RegistryErrorCode> {}

export function notFound(what: string, key: string | number): RegistryError {
  return new RegistryError(RegistryErrorCode.NotFound, `no ${what} ${JSON.stringify(key)} in the registry`);
}

export function duplicateName(what: string, name: string): RegistryError {
  return new RegistryError(RegistryErrorCode.DuplicateName, `a ${what} named ${JSON.stringify(name)} exists already`);
}
