import { RegistryError, RegistryErrorCode, duplicateName, notFound } from '../errors.js';
import type { DeviceChanges, DeviceFilter, DeviceRecord, DeviceRegistry, DeviceStatusFacts, NewDevice } from '../types.js';
import {
  checkDeviceUuid,
  checkName,
  checkNonEmpty,
  isDeviceUuid,
  isUuidPrefix,
  MIN_UUID_PREFIX,
  newDeviceUuid,
} from '../validate.js';
import type { Connection } from './connection.js';
import { GroupCommit } from './group-commit.js';
import { expectChanged, fleetId, requireDevice } from './lookup.js';
import { DEVICE_SELECT as SELECT, statusColumns, toDeviceRecord, type DeviceRow } from '../rows.js';

export class SqliteDevices implements DeviceRegistry {
  /** Counts this connection's own changes to devices, which data_version does not see. */
  private ownChanges = 0;
  /** Status facts arrive in bursts (connects, disconnects); they commit in groups. */
  private readonly statusWrites: GroupCommit;

  constructor(private readonly db: Connection) {
    this.statusWrites = new GroupCommit(db);
  }

  async changeMarker(): Promise<string> {
    return `${this.db.dataVersion()}:${this.ownChanges}`;
  }

  async create(device: NewDevice): Promise<DeviceRecord> {
    const uuid = device.uuid === undefined ? newDeviceUuid() : checkDeviceUuid(device.uuid);
    if (device.name !== undefined) checkName('device', device.name);
    checkNonEmpty('authPublicKey', device.authPublicKey);
    this.ownChanges += 1;
    return this.db.write(() => {
      if (this.row(uuid) !== undefined) {
        throw new RegistryError(RegistryErrorCode.DuplicateUuid, `a device with uuid ${uuid} exists already`);
      }
      const name = device.name ?? this.defaultName(uuid);
      this.checkNameFree(name);
      this.db.run('INSERT INTO devices (uuid, name, fleet_id, auth_public_key, created_at) VALUES (?, ?, ?, ?, ?)', [
        uuid,
        name,
        device.fleet == null ? null : fleetId(this.db, device.fleet),
        device.authPublicKey,
        this.db.now(),
      ]);
      return this.require(uuid);
    });
  }

  async get(uuid: string): Promise<DeviceRecord | null> {
    const row = this.row(uuid);
    return row === undefined ? null : toDeviceRecord(row);
  }

  async find(ref: string): Promise<DeviceRecord[]> {
    const lower = ref.toLowerCase();
    const exact = (isDeviceUuid(lower) ? this.row(lower) : undefined) ?? this.db.get<DeviceRow>(`${SELECT} WHERE d.name = ?`, [ref]);
    if (exact !== undefined) return [toDeviceRecord(exact)];
    if (!isUuidPrefix(lower)) return [];
    // The prefix is hex only (checked above), so it cannot carry LIKE wildcards.
    return this.db.all<DeviceRow>(`${SELECT} WHERE d.uuid LIKE ? ORDER BY d.uuid`, [`${lower}%`]).map(toDeviceRecord);
  }

  async list(filter: DeviceFilter = {}): Promise<DeviceRecord[]> {
    if (filter.fleet === undefined) return this.db.all<DeviceRow>(`${SELECT} ORDER BY d.name`).map(toDeviceRecord);
    const id = fleetId(this.db, filter.fleet);
    return this.db.all<DeviceRow>(`${SELECT} WHERE d.fleet_id = ? ORDER BY d.name`, [id]).map(toDeviceRecord);
  }

  async update(uuid: string, changes: DeviceChanges): Promise<DeviceRecord> {
    if (changes.name !== undefined) checkName('device', changes.name);
    this.ownChanges += 1;
    return this.db.write(() => {
      const current = this.require(uuid);
      if (changes.name !== undefined && changes.name !== current.name) {
        this.checkNameFree(changes.name);
        this.db.run('UPDATE devices SET name = ? WHERE uuid = ?', [changes.name, uuid]);
      }
      if (changes.fleet !== undefined) {
        const id = changes.fleet === null ? null : fleetId(this.db, changes.fleet);
        this.db.run('UPDATE devices SET fleet_id = ? WHERE uuid = ?', [id, uuid]);
      }
      return this.require(uuid);
    });
  }

  async recordStatus(uuid: string, facts: Partial<DeviceStatusFacts>): Promise<void> {
    const columns = statusColumns(facts);
    const names = Object.keys(columns);
    if (names.length === 0) {
      requireDevice(this.db, uuid);
      return;
    }
    // Column names come from STATUS_COLUMNS, never from the caller.
    const assignments = names.map((name) => `${name} = @${name}`).join(', ');
    await this.statusWrites.submit(() =>
      expectChanged(this.db.run(`UPDATE devices SET ${assignments} WHERE uuid = @uuid`, { ...columns, uuid }), 'device', uuid),
    );
  }

  async remove(uuid: string): Promise<void> {
    this.ownChanges += 1;
    expectChanged(this.db.run('DELETE FROM devices WHERE uuid = ?', [uuid]), 'device', uuid);
  }

  private row(uuid: string): DeviceRow | undefined {
    return this.db.get<DeviceRow>(`${SELECT} WHERE d.uuid = ?`, [uuid]);
  }

  private require(uuid: string): DeviceRecord {
    const row = this.row(uuid);
    if (row === undefined) throw notFound('device', uuid);
    return toDeviceRecord(row);
  }

  private nameTaken(name: string): boolean {
    return this.db.get('SELECT 1 FROM devices WHERE name = ?', [name]) !== undefined;
  }

  private checkNameFree(name: string): void {
    if (this.nameTaken(name)) throw duplicateName('device', name);
  }

  /** The short uuid people already use to tell devices apart, lengthened until it is free. */
  private defaultName(uuid: string): string {
    for (let length = MIN_UUID_PREFIX; length <= uuid.length; length++) {
      const name = `device-${uuid.slice(0, length)}`;
      if (!this.nameTaken(name)) return name;
    }
    throw duplicateName('device', `device-${uuid}`);
  }
}
