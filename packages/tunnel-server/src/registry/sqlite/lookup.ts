import { notFound } from '../errors.js';
import type { GrantScope } from '../types.js';
import { checkDeviceUuid } from '../validate.js';
import type { Connection } from './connection.js';

/** Internal ids behind the names the interface speaks in; each throws NOT_FOUND naming the key. */

export function fleetId(db: Connection, fleet: string): number {
  return idOf(db, 'SELECT id FROM fleets WHERE name = ?', 'fleet', fleet);
}

export function userId(db: Connection, user: string): number {
  return idOf(db, 'SELECT id FROM users WHERE name = ?', 'user', user);
}

export function requireDevice(db: Connection, uuid: string): void {
  if (db.get('SELECT 1 FROM devices WHERE uuid = ?', [uuid]) === undefined) throw notFound('device', uuid);
}

/** The device_uuid and fleet_id columns for a scope, after checking that its target exists. */
export function scopeKeys(db: Connection, scope: GrantScope): [string | null, number | null] {
  if (scope.kind === 'fleet') return [null, fleetId(db, scope.fleet)];
  requireDevice(db, checkDeviceUuid(scope.deviceUuid));
  return [scope.deviceUuid, null];
}

function idOf(db: Connection, sql: string, what: string, key: string): number {
  const row = db.get<{ id: number }>(sql, [key]);
  if (row === undefined) throw notFound(what, key);
  return row.id;
}

/** Throws NOT_FOUND when an UPDATE or DELETE matched nothing. */
export function expectChanged(result: { changes: number }, what: string, key: string | number): void {
  if (result.changes === 0) throw notFound(what, key);
}
