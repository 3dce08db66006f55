import { notFound } from '../errors.js';
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

function idOf(db: Connection, sql: string, what: string, key: string): number {
  const row = db.get<{ id: number }>(sql, [key]);
  if (row === undefined) throw notFound(what, key);
  return row.id;
}

/** Throws NOT_FOUND when an UPDATE or DELETE matched nothing. */
export function expectChanged(result: { changes: number }, what: string, key: string | number): void {
  if (result.changes === 0) throw notFound(what, key);
}
