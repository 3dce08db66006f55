import { notFound } from '../errors.js';
import type { GrantScope } from '../types.js';
import { checkDeviceUuid } from '../validate.js';
import type { Queryable } from './connection.js';

/** Internal ids behind the names the interface speaks in; each throws NOT_FOUND naming the key. */

export function fleetId(db: Queryable, fleet: string): Promise<number> {
  return idOf(db, 'SELECT id FROM fleets WHERE name = $1', 'fleet', fleet);
}

export function userId(db: Queryable, user: string): Promise<number> {
  return idOf(db, 'SELECT id FROM users WHERE name = $1', 'user', user);
}

export async function requireDevice(db: Queryable, uuid: string): Promise<void> {
  if ((await db.rows('SELECT 1 FROM devices WHERE uuid = $1', [uuid])).length === 0) throw notFound('device', uuid);
}

/** The device_uuid and fleet_id columns for a scope, after checking that its target exists. */
export async function scopeKeys(db: Queryable, scope: GrantScope): Promise<[string | null, number | null]> {
  if (scope.kind === 'fleet') return [null, await fleetId(db, scope.fleet)];
  await requireDevice(db, checkDeviceUuid(scope.deviceUuid));
  return [scope.deviceUuid, null];
}

async function idOf(db: Queryable, sql: string, what: string, key: string): Promise<number> {
  const [row] = await db.rows<{ id: number }>(sql, [key]);
  if (row === undefined) throw notFound(what, key);
  return row.id;
}

/** Throws NOT_FOUND when an UPDATE or DELETE matched nothing. */
export function expectChanged(changes: number, what: string, key: string | number): void {
  if (changes === 0) throw notFound(what, key);
}
