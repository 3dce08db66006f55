import { notFound } from '../errors.js';
import { GRANT_ACTIVE as ACTIVE, GRANT_APPLIES_TO_DEVICE as APPLIES_TO_DEVICE, GRANT_SELECT as SELECT, toGrantRecord, type GrantRow } from '../rows.js';
import type { EpochMs, GrantFilter, GrantTarget, NewSupportGrant, SupportGrantRecord, SupportGrantRegistry } from '../types.js';
import { checkDeviceUuid, checkExpiry, checkNewGrant, checkPort } from '../validate.js';
import type { PgConnection, PgValue, Queryable } from './connection.js';
import { fleetId, requireDevice, scopeKeys } from './lookup.js';

export class PgGrants implements SupportGrantRegistry {
  constructor(private readonly db: PgConnection) {}

  async create(grant: NewSupportGrant): Promise<SupportGrantRecord> {
    const ports = checkNewGrant(grant);
    return this.db.transaction(async (tx) => {
      const now = tx.now();
      checkExpiry(grant.expiresAt, now);
      const [deviceUuid, fleet] = await scopeKeys(tx, grant.scope);
      const [created] = await tx.rows<{ id: number }>(
        'INSERT INTO support_grants (device_uuid, fleet_id, ports, created_by, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id',
        [deviceUuid, fleet, ports, grant.createdBy, now, grant.expiresAt],
      );
      return requireGrant(tx, created?.id ?? 0);
    });
  }

  async get(id: number): Promise<SupportGrantRecord | null> {
    const [row] = await this.db.rows<GrantRow>(`${SELECT} WHERE g.id = $1`, [id]);
    return row === undefined ? null : toGrantRecord(row);
  }

  async revoke(target: GrantTarget): Promise<SupportGrantRecord[]> {
    return this.db.transaction(async (tx) => {
      const at = tx.now();
      const ids: number[] = [];
      if ('fleet' in target) {
        ids.push(...(await activeIds(tx, 'g.fleet_id = @fleet', { fleet: await fleetId(tx, target.fleet), at })));
      } else {
        for (const device of new Set(target.deviceUuids)) {
          await requireDevice(tx, checkDeviceUuid(device));
          ids.push(...(await activeIds(tx, 'g.device_uuid = @device', { device, at })));
        }
      }
      if (ids.length > 0) await tx.run('UPDATE support_grants SET revoked_at = $1 WHERE id = ANY($2)', [at, ids]);
      const revoked: SupportGrantRecord[] = [];
      for (const id of ids) revoked.push(await requireGrant(tx, id));
      return revoked;
    }, 'grants');
  }

  async list(filter: GrantFilter = {}): Promise<SupportGrantRecord[]> {
    const conditions: string[] = [];
    const params: Record<string, PgValue> = { at: filter.at ?? this.db.now() };
    if (filter.deviceUuid !== undefined) {
      await requireDevice(this.db, filter.deviceUuid);
      conditions.push(APPLIES_TO_DEVICE);
      params.device = filter.deviceUuid;
    }
    if (filter.fleet !== undefined) {
      conditions.push('g.fleet_id = @fleet');
      params.fleet = await fleetId(this.db, filter.fleet);
    }
    if (filter.includeInactive !== true) conditions.push(ACTIVE);
    // @at is bound even when unused: PostgreSQL must then be told nothing about it.
    if (!conditions.some((c) => c.includes('@at'))) delete params.at;
    const where = conditions.length === 0 ? '' : `WHERE ${conditions.join(' AND ')}`;
    return (await this.db.rows<GrantRow>(`${SELECT} ${where} ORDER BY g.id DESC`, params)).map(toGrantRecord);
  }

  async covering(deviceUuid: string, port: number, at: EpochMs = this.db.now()): Promise<SupportGrantRecord[]> {
    checkPort(port);
    const rows = await this.db.rows<GrantRow>(
      `${SELECT} WHERE ${APPLIES_TO_DEVICE} AND ${ACTIVE} AND @port = ANY(g.ports) ORDER BY g.expires_at DESC, g.id DESC`,
      { device: deviceUuid, port, at },
    );
    return rows.map(toGrantRecord);
  }
}

async function activeIds(db: Queryable, condition: string, params: Record<string, PgValue>): Promise<number[]> {
  return (await db.rows<{ id: number }>(`SELECT g.id FROM support_grants g WHERE ${condition} AND ${ACTIVE}`, params)).map((row) => row.id);
}

async function requireGrant(db: Queryable, id: number): Promise<SupportGrantRecord> {
  const [row] = await db.rows<GrantRow>(`${SELECT} WHERE g.id = $1`, [id]);
  if (row === undefined) throw notFound('support grant', id);
  return toGrantRecord(row);
}
