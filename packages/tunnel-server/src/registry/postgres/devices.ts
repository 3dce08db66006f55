import { RegistryError, RegistryErrorCode, duplicateName, notFound } from '../errors.js';
import { DEVICE_SELECT as SELECT, statusColumns, toDeviceRecord, type DeviceRow } from '../rows.js';
import type { DeviceChanges, DeviceFilter, DeviceRecord, DeviceRegistry, DeviceStatusFacts, NewDevice } from '../types.js';
import { checkDeviceUuid, checkName, checkNonEmpty, isDeviceUuid, isUuidPrefix, MIN_UUID_PREFIX, newDeviceUuid } from '../validate.js';
import type { PgConnection, Queryable } from './connection.js';
import { expectChanged, fleetId, requireDevice } from './lookup.js';

const BUMP = 'UPDATE device_changes SET version = version + 1';

export class PgDevices implements DeviceRegistry {
  constructor(private readonly db: PgConnection) {}

  /** One counter row bumped in the same transaction as each change, so every node sees it. */
  async changeMarker(): Promise<string> {
    const [row] = await this.db.rows<{ version: number }>('SELECT version FROM device_changes');
    return String(row?.version ?? 0);
  }

  async create(device: NewDevice): Promise<DeviceRecord> {
    const uuid = device.uuid === undefined ? newDeviceUuid() : checkDeviceUuid(device.uuid);
    if (device.name !== undefined) checkName('device', device.name);
    checkNonEmpty('authPublicKey', device.authPublicKey);
    // Names are checked then written: one writer at a time, as BEGIN IMMEDIATE gives SQLite.
    return this.db.transaction(async (tx) => {
      if ((await row(tx, uuid)) !== undefined) {
        throw new RegistryError(RegistryErrorCode.DuplicateUuid, `a device with uuid ${uuid} exists already`);
      }
      const name = device.name ?? (await defaultName(tx, uuid));
      await checkNameFree(tx, name);
      await tx.run('INSERT INTO devices (uuid, name, fleet_id, auth_public_key, created_at) VALUES ($1, $2, $3, $4, $5)', [
        uuid,
        name,
        device.fleet == null ? null : await fleetId(tx, device.fleet),
        device.authPublicKey,
        tx.now(),
      ]);
      await tx.run(BUMP);
      return requireRecord(tx, uuid);
    }, 'devices');
  }

  async get(uuid: string): Promise<DeviceRecord | null> {
    const found = await row(this.db, uuid);
    return found === undefined ? null : toDeviceRecord(found);
  }

  async find(ref: string): Promise<DeviceRecord[]> {
    const lower = ref.toLowerCase();
    const exact = (isDeviceUuid(lower) ? await row(this.db, lower) : undefined) ?? (await this.db.rows<DeviceRow>(`${SELECT} WHERE d.name = $1`, [ref]))[0];
    if (exact !== undefined) return [toDeviceRecord(exact)];
    if (!isUuidPrefix(lower)) return [];
    // The prefix is hex only (checked above), so it cannot carry LIKE wildcards.
    return (await this.db.rows<DeviceRow>(`${SELECT} WHERE d.uuid LIKE $1 ORDER BY d.uuid`, [`${lower}%`])).map(toDeviceRecord);
  }

  async list(filter: DeviceFilter = {}): Promise<DeviceRecord[]> {
    // COLLATE "C": byte order, as SQLite sorts, whatever the database's locale.
    if (filter.fleet === undefined) return (await this.db.rows<DeviceRow>(`${SELECT} ORDER BY d.name COLLATE "C"`)).map(toDeviceRecord);
    const id = await fleetId(this.db, filter.fleet);
    return (await this.db.rows<DeviceRow>(`${SELECT} WHERE d.fleet_id = $1 ORDER BY d.name COLLATE "C"`, [id])).map(toDeviceRecord);
  }

  async update(uuid: string, changes: DeviceChanges): Promise<DeviceRecord> {
    if (changes.name !== undefined) checkName('device', changes.name);
    return this.db.transaction(async (tx) => {
      const current = await requireRecord(tx, uuid);
      if (changes.name !== undefined && changes.name !== current.name) {
        await checkNameFree(tx, changes.name);
        await tx.run('UPDATE devices SET name = $1 WHERE uuid = $2', [changes.name, uuid]);
      }
      if (changes.fleet !== undefined) {
        const id = changes.fleet === null ? null : await fleetId(tx, changes.fleet);
        await tx.run('UPDATE devices SET fleet_id = $1 WHERE uuid = $2', [id, uuid]);
      }
      await tx.run(BUMP);
      return requireRecord(tx, uuid);
    }, 'devices');
  }

  async recordStatus(uuid: string, facts: Partial<DeviceStatusFacts>): Promise<void> {
    const columns = statusColumns(facts);
    const names = Object.keys(columns);
    if (names.length === 0) return requireDevice(this.db, uuid);
    // Column names come from statusColumns, never from the caller.
    const assignments = names.map((name, i) => `${name} = $${i + 2}`).join(', ');
    expectChanged(await this.db.run(`UPDATE devices SET ${assignments} WHERE uuid = $1`, [uuid, ...Object.values(columns)]), 'device', uuid);
  }

  async remove(uuid: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      expectChanged(await tx.run('DELETE FROM devices WHERE uuid = $1', [uuid]), 'device', uuid);
      await tx.run(BUMP);
    });
  }
}

async function row(db: Queryable, uuid: string): Promise<DeviceRow | undefined> {
  return (await db.rows<DeviceRow>(`${SELECT} WHERE d.uuid = $1`, [uuid]))[0];
}

async function requireRecord(db: Queryable, uuid: string): Promise<DeviceRecord> {
  const found = await row(db, uuid);
  if (found === undefined) throw notFound('device', uuid);
  return toDeviceRecord(found);
}

async function nameTaken(db: Queryable, name: string): Promise<boolean> {
  return (await db.rows('SELECT 1 FROM devices WHERE name = $1', [name])).length > 0;
}

async function checkNameFree(db: Queryable, name: string): Promise<void> {
  if (await nameTaken(db, name)) throw duplicateName('device', name);
}

/** The short uuid people already use to tell devices apart, lengthened until it is free. */
async function defaultName(db: Queryable, uuid: string): Promise<string> {
  for (let length = MIN_UUID_PREFIX; length <= uuid.length; length++) {
    const name = `device-${uuid.slice(0, length)}`;
    if (!(await nameTaken(db, name))) return name;
  }
  throw duplicateName('device', `device-${uuid}`);
}
