import { RegistryError, RegistryErrorCode, duplicateName, notFound } from '../errors.js';
import type { FleetRecord, FleetRegistry, UserRecord } from '../types.js';
import { checkName } from '../validate.js';
import type { Connection } from './connection.js';
import { fleetId, userId } from './lookup.js';
import { toFleetRecord, toUserRecord, USER_COLUMNS, type FleetRow, type UserRow } from '../rows.js';

export class SqliteFleets implements FleetRegistry {
  constructor(private readonly db: Connection) {}

  async create(name: string): Promise<FleetRecord> {
    checkName('fleet', name);
    return this.db.write(() => {
      if (this.row(name) !== undefined) throw duplicateName('fleet', name);
      this.db.run('INSERT INTO fleets (name, created_at) VALUES (?, ?)', [name, this.db.now()]);
      return toFleetRecord(this.row(name) as FleetRow);
    });
  }

  async get(name: string): Promise<FleetRecord | null> {
    const row = this.row(name);
    return row === undefined ? null : toFleetRecord(row);
  }

  async list(): Promise<FleetRecord[]> {
    return this.db.all<FleetRow>('SELECT name, created_at FROM fleets ORDER BY name').map(toFleetRecord);
  }

  async remove(name: string): Promise<void> {
    this.db.write(() => {
      const id = fleetId(this.db, name);
      // Checked here rather than left to the foreign key so the message can say what to do.
      const { count } = this.db.get<{ count: number }>('SELECT count(*) AS count FROM devices WHERE fleet_id = ?', [id]) ?? { count: 0 };
      if (count > 0) {
        throw new RegistryError(
          RegistryErrorCode.FleetInUse,
          `fleet ${JSON.stringify(name)} still has ${count} device(s): move them to another fleet or remove them first`,
        );
      }
      this.db.run('DELETE FROM fleets WHERE id = ?', [id]);
    });
  }

  async addMember(fleet: string, user: string): Promise<void> {
    this.db.write(() => {
      const ids = [fleetId(this.db, fleet), userId(this.db, user)];
      if (this.db.get('SELECT 1 FROM fleet_members WHERE fleet_id = ? AND user_id = ?', ids) !== undefined) {
        throw new RegistryError(RegistryErrorCode.DuplicateMember, `user ${JSON.stringify(user)} is a member of fleet ${JSON.stringify(fleet)} already`);
      }
      this.db.run('INSERT INTO fleet_members (fleet_id, user_id, created_at) VALUES (?, ?, ?)', [...ids, this.db.now()]);
    });
  }

  async removeMember(fleet: string, user: string): Promise<void> {
    this.db.write(() => {
      const ids = [fleetId(this.db, fleet), userId(this.db, user)];
      if (this.db.run('DELETE FROM fleet_members WHERE fleet_id = ? AND user_id = ?', ids).changes === 0) {
        throw notFound(`member of fleet ${JSON.stringify(fleet)} named`, user);
      }
    });
  }

  async members(fleet: string): Promise<UserRecord[]> {
    const id = fleetId(this.db, fleet);
    return this.db
      .all<UserRow>(`SELECT ${USER_COLUMNS} FROM fleet_members m JOIN users u ON u.id = m.user_id WHERE m.fleet_id = ? ORDER BY u.name`, [id])
      .map(toUserRecord);
  }

  async fleetsOf(user: string): Promise<string[]> {
    const id = userId(this.db, user);
    return this.db
      .all<{ name: string }>('SELECT f.name FROM fleet_members m JOIN fleets f ON f.id = m.fleet_id WHERE m.user_id = ? ORDER BY f.name', [id])
      .map((row) => row.name);
  }

  private row(name: string): FleetRow | undefined {
    return this.db.get<FleetRow>('SELECT name, created_at FROM fleets WHERE name = ?', [name]);
  }
}
