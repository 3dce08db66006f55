import { RegistryError, RegistryErrorCode, duplicateName, notFound } from '../errors.js';
import { toFleetRecord, toUserRecord, USER_COLUMNS, type FleetRow, type UserRow } from '../rows.js';
import type { FleetRecord, FleetRegistry, UserRecord } from '../types.js';
import { checkName } from '../validate.js';
import type { PgConnection, Queryable } from './connection.js';
import { fleetId, userId } from './lookup.js';

export class PgFleets implements FleetRegistry {
  constructor(private readonly db: PgConnection) {}

  async create(name: string): Promise<FleetRecord> {
    checkName('fleet', name);
    return this.db.transaction(async (tx) => {
      if ((await row(tx, name)) !== undefined) throw duplicateName('fleet', name);
      await tx.run('INSERT INTO fleets (name, created_at) VALUES ($1, $2)', [name, tx.now()]);
      return toFleetRecord((await row(tx, name)) as FleetRow);
    }, 'fleets');
  }

  async get(name: string): Promise<FleetRecord | null> {
    const found = await row(this.db, name);
    return found === undefined ? null : toFleetRecord(found);
  }

  async list(): Promise<FleetRecord[]> {
    return (await this.db.rows<FleetRow>('SELECT name, created_at FROM fleets ORDER BY name COLLATE "C"')).map(toFleetRecord);
  }

  async remove(name: string): Promise<void> {
    // Under the devices lock, so no device joins the fleet between the count and the delete.
    await this.db.transaction(async (tx) => {
      const id = await fleetId(tx, name);
      const [counted] = await tx.rows<{ count: number }>('SELECT count(*)::int AS count FROM devices WHERE fleet_id = $1', [id]);
      const count = counted?.count ?? 0;
      if (count > 0) {
        throw new RegistryError(
          RegistryErrorCode.FleetInUse,
          `fleet ${JSON.stringify(name)} still has ${count} device(s): move them to another fleet or remove them first`,
        );
      }
      await tx.run('DELETE FROM fleets WHERE id = $1', [id]);
    }, 'devices');
  }

  async addMember(fleet: string, user: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const ids = [await fleetId(tx, fleet), await userId(tx, user)];
      if ((await tx.rows('SELECT 1 FROM fleet_members WHERE fleet_id = $1 AND user_id = $2', ids)).length > 0) {
        throw new RegistryError(RegistryErrorCode.DuplicateMember, `user ${JSON.stringify(user)} is a member of fleet ${JSON.stringify(fleet)} already`);
      }
      await tx.run('INSERT INTO fleet_members (fleet_id, user_id, created_at) VALUES ($1, $2, $3)', [...ids, tx.now()]);
    }, 'members');
  }

  async removeMember(fleet: string, user: string): Promise<void> {
    const ids = [await fleetId(this.db, fleet), await userId(this.db, user)];
    if ((await this.db.run('DELETE FROM fleet_members WHERE fleet_id = $1 AND user_id = $2', ids)) === 0) {
      throw notFound(`member of fleet ${JSON.stringify(fleet)} named`, user);
    }
  }

  async members(fleet: string): Promise<UserRecord[]> {
    const id = await fleetId(this.db, fleet);
    return (
      await this.db.rows<UserRow>(
        `SELECT ${USER_COLUMNS} FROM fleet_members m JOIN users u ON u.id = m.user_id WHERE m.fleet_id = $1 ORDER BY u.name COLLATE "C"`,
        [id],
      )
    ).map(toUserRecord);
  }

  async fleetsOf(user: string): Promise<string[]> {
    const id = await userId(this.db, user);
    const rows = await this.db.rows<{ name: string }>(
      'SELECT f.name FROM fleet_members m JOIN fleets f ON f.id = m.fleet_id WHERE m.user_id = $1 ORDER BY f.name COLLATE "C"',
      [id],
    );
    return rows.map((r) => r.name);
  }
}

async function row(db: Queryable, name: string): Promise<FleetRow | undefined> {
  return (await db.rows<FleetRow>('SELECT name, created_at FROM fleets WHERE name = $1', [name]))[0];
}
