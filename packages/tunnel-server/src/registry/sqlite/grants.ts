import { notFound } from '../errors.js';
import type { EpochMs, GrantFilter, GrantTarget, NewSupportGrant, SupportGrantRecord, SupportGrantRegistry } from '../types.js';
import { checkDeviceUuid, checkExpiry, checkNewGrant, checkPort } from '../validate.js';
import type { Connection, SqlValue } from './connection.js';
import { fleetId, requireDevice, scopeKeys } from './lookup.js';
import { GRANT_ACTIVE as ACTIVE, GRANT_APPLIES_TO_DEVICE as APPLIES_TO_DEVICE, GRANT_SELECT as SELECT, toGrantRecord, type GrantRow } from '../rows.js';

export class SqliteGrants implements SupportGrantRegistry {
  constructor(private readonly db: Connection) {}

  async create(grant: NewSupportGrant): Promise<SupportGrantRecord> {
    const ports = checkNewGrant(grant);
    return this.db.write(() => {
      const now = this.db.now();
      checkExpiry(grant.expiresAt, now);
      const [deviceUuid, fleet] = scopeKeys(this.db, grant.scope);
      const { lastId } = this.db.run(
        'INSERT INTO support_grants (device_uuid, fleet_id, ports, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)',
        [deviceUuid, fleet, JSON.stringify(ports), grant.createdBy, now, grant.expiresAt],
      );
      return this.require(lastId);
    });
  }

  async get(id: number): Promise<SupportGrantRecord | null> {
    const row = this.db.get<GrantRow>(`${SELECT} WHERE g.id = ?`, [id]);
    return row === undefined ? null : toGrantRecord(row);
  }

  async revoke(target: GrantTarget): Promise<SupportGrantRecord[]> {
    return this.db.write(() => {
      const at = this.db.now();
      let ids: number[];
      if ('fleet' in target) {
        const fleet = fleetId(this.db, target.fleet);
        ids = this.activeIds('g.fleet_id = @fleet', { fleet, at });
      } else {
        ids = [...new Set(target.deviceUuids)].flatMap((device) => {
          requireDevice(this.db, checkDeviceUuid(device));
          return this.activeIds('g.device_uuid = @device', { device, at });
        });
      }
      for (const id of ids) this.db.run('UPDATE support_grants SET revoked_at = ? WHERE id = ?', [at, id]);
      return ids.map((id) => this.require(id));
    });
  }

  async list(filter: GrantFilter = {}): Promise<SupportGrantRecord[]> {
    const conditions: string[] = [];
    const params: Record<string, SqlValue> = { at: filter.at ?? this.db.now() };
    if (filter.deviceUuid !== undefined) {
      requireDevice(this.db, filter.deviceUuid);
      conditions.push(APPLIES_TO_DEVICE);
      params.device = filter.deviceUuid;
    }
    if (filter.fleet !== undefined) {
      conditions.push('g.fleet_id = @fleet');
      params.fleet = fleetId(this.db, filter.fleet);
    }
    if (filter.includeInactive !== true) conditions.push(ACTIVE);
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    return this.db.all<GrantRow>(`${SELECT} ${where} ORDER BY g.id DESC`, params).map(toGrantRecord);
  }

  async covering(deviceUuid: string, port: number, at: EpochMs = this.db.now()): Promise<SupportGrantRecord[]> {
    checkPort(port);
    return this.db
      .all<GrantRow>(
        `${SELECT} WHERE ${APPLIES_TO_DEVICE} AND ${ACTIVE}
           AND EXISTS (SELECT 1 FROM json_each(g.ports) WHERE json_each.value = @port)
         ORDER BY g.expires_at DESC, g.id DESC`,
        { device: deviceUuid, port, at },
      )
      .map(toGrantRecord);
  }

  /** The device_uuid and fleet_id columns for a scope, after checking that its target exists. */
  private activeIds(condition: string, params: Record<string, SqlValue>): number[] {
    return this.db.all<{ id: number }>(`SELECT g.id FROM support_grants g WHERE ${condition} AND ${ACTIVE}`, params).map((row) => row.id);
  }

  private require(id: number): SupportGrantRecord {
    const row = this.db.get<GrantRow>(`${SELECT} WHERE g.id = ?`, [id]);
    if (row === undefined) throw notFound('support grant', id);
    return toGrantRecord(row);
  }
}
