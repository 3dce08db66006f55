import { expect } from 'chai';
import type { SupportGrantRecord } from '../../src/registry/index.js';
import { expectCode, HOUR, describeRegistry } from './helpers.js';

const DEV_A = 'a'.repeat(32);
const DEV_B = 'b'.repeat(32);
const DEV_C = 'c'.repeat(32);

const ids = (grants: SupportGrantRecord[]) => grants.map((g) => g.id);

describeRegistry('support grants', (fx) => {
  beforeEach(async () => {
    await fx.registry.fleets.create('west');
    await fx.registry.devices.create({ uuid: DEV_A, fleet: 'west', authPublicKey: 'k' });
    await fx.registry.devices.create({ uuid: DEV_B, fleet: 'west', authPublicKey: 'k' });
    await fx.registry.devices.create({ uuid: DEV_C, authPublicKey: 'k' });
  });

  const onDevice = (deviceUuid: string, hours = 1, ports?: number[]) =>
    fx.registry.grants.create({ scope: { kind: 'device', deviceUuid }, createdBy: 'admin', expiresAt: fx.clock.t + hours * HOUR, ...(ports ? { ports } : {}) });
  const onFleet = (fleet: string, hours = 1, ports?: number[]) =>
    fx.registry.grants.create({ scope: { kind: 'fleet', fleet }, createdBy: 'admin', expiresAt: fx.clock.t + hours * HOUR, ...(ports ? { ports } : {}) });

  it('creates a device grant on port 22222 by default', async () => {
    const g = await onDevice(DEV_C);
    expect(g).to.deep.equal({
      id: g.id,
      scope: { kind: 'device', deviceUuid: DEV_C },
      ports: [22222],
      createdBy: 'admin',
      createdAt: fx.clock.t,
      expiresAt: fx.clock.t + HOUR,
      revokedAt: null,
    });
    expect(await fx.registry.grants.get(g.id)).to.deep.equal(g);
    expect(await fx.registry.grants.get(g.id + 1)).to.equal(null);
  });

  it('creates a fleet grant with its ports sorted and deduplicated', async () => {
    const g = await onFleet('west', 12, [48484, 22222, 48484]);
    expect(g).to.deep.include({ scope: { kind: 'fleet', fleet: 'west' }, ports: [22222, 48484] });
  });

  it('refuses bad ports, past expiries and unknown targets', async () => {
    await expectCode(onDevice(DEV_C, 1, [0]), 'ERR_REGISTRY_INVALID_PORT', 'port 0');
    await expectCode(onDevice(DEV_C, 1, [70000]), 'ERR_REGISTRY_INVALID_PORT', '70000');
    await expectCode(onDevice(DEV_C, 1, []), 'ERR_REGISTRY_INVALID_PORT');
    await expectCode(onDevice(DEV_C, 0), 'ERR_REGISTRY_INVALID_EXPIRY', '2026-11-22T10:00:00.000Z');
    await expectCode(onDevice(DEV_C, -2), 'ERR_REGISTRY_INVALID_EXPIRY', '2026-11-22T08:00:00.000Z');
    await expectCode(onDevice('d'.repeat(32)), 'ERR_REGISTRY_NOT_FOUND', 'd'.repeat(32));
    await expectCode(onDevice('xyz'), 'ERR_REGISTRY_INVALID_UUID', '"xyz"');
    await expectCode(onFleet('east'), 'ERR_REGISTRY_NOT_FOUND', '"east"');
    await expectCode(fx.registry.grants.create({ scope: { kind: 'fleet', fleet: 'west' }, createdBy: '', expiresAt: fx.clock.t + HOUR }), 'ERR_REGISTRY_INVALID_VALUE', 'createdBy');
    expect(await fx.registry.grants.list({ includeInactive: true })).to.deep.equal([]);
  });

  it('finds the grants covering a device and port, directly or through its fleet', async () => {
    const direct = await onDevice(DEV_A, 2);
    const fleet = await onFleet('west', 3, [22222, 48484]);
    expect(ids(await fx.registry.grants.covering(DEV_A, 22222))).to.deep.equal([fleet.id, direct.id]);
    expect(ids(await fx.registry.grants.covering(DEV_A, 48484))).to.deep.equal([fleet.id]);
    expect(ids(await fx.registry.grants.covering(DEV_B, 22222))).to.deep.equal([fleet.id]);
    expect(await fx.registry.grants.covering(DEV_C, 22222)).to.deep.equal([]);
    expect(await fx.registry.grants.covering(DEV_A, 80)).to.deep.equal([]);
    expect(await fx.registry.grants.covering('d'.repeat(32), 22222)).to.deep.equal([]);
    await expectCode(fx.registry.grants.covering(DEV_A, 0), 'ERR_REGISTRY_INVALID_PORT');
  });

  it('follows a device into another fleet', async () => {
    await fx.registry.fleets.create('east');
    const g = await onFleet('east');
    expect(await fx.registry.grants.covering(DEV_C, 22222)).to.deep.equal([]);
    await fx.registry.devices.update(DEV_C, { fleet: 'east' });
    expect(ids(await fx.registry.grants.covering(DEV_C, 22222))).to.deep.equal([g.id]);
  });

  it('stops covering once expired, and answers for any moment', async () => {
    const start = fx.clock.t;
    const g = await onDevice(DEV_A, 1);
    fx.clock.advance(HOUR - 1);
    expect(ids(await fx.registry.grants.covering(DEV_A, 22222))).to.deep.equal([g.id]);
    fx.clock.advance(1);
    expect(await fx.registry.grants.covering(DEV_A, 22222)).to.deep.equal([]);
    expect(ids(await fx.registry.grants.covering(DEV_A, 22222, start + 10))).to.deep.equal([g.id]);
    expect(await fx.registry.grants.covering(DEV_A, 22222, start - 1), 'not yet created').to.deep.equal([]);
    expect(await fx.registry.grants.list()).to.deep.equal([]);
    expect(ids(await fx.registry.grants.list({ includeInactive: true }))).to.deep.equal([g.id]);
  });

  it('revokes the grants of some devices at once', async () => {
    const start = fx.clock.t;
    const a = await onDevice(DEV_A);
    const b = await onDevice(DEV_B);
    const c = await onDevice(DEV_C);
    const fleet = await onFleet('west');
    fx.clock.advance(60_000);
    const revoked = await fx.registry.grants.revoke({ deviceUuids: [DEV_A, DEV_B, DEV_A] });
    expect(revoked).to.have.length(2);
    expect(ids(revoked)).to.have.members([a.id, b.id]);
    for (const g of revoked) expect(g.revokedAt).to.equal(fx.clock.t);
    expect(ids(await fx.registry.grants.covering(DEV_A, 22222)), 'the fleet grant remains').to.deep.equal([fleet.id]);
    expect(ids(await fx.registry.grants.list())).to.deep.equal([fleet.id, c.id]);
    expect(ids(await fx.registry.grants.list({ includeInactive: true }))).to.deep.equal([fleet.id, c.id, b.id, a.id]);
    expect(ids(await fx.registry.grants.covering(DEV_A, 22222, start + 1)), 'before the revocation').to.deep.equal([fleet.id, a.id]);
    expect(await fx.registry.grants.revoke({ deviceUuids: [DEV_A] }), 'nothing left to revoke').to.deep.equal([]);
    await expectCode(fx.registry.grants.revoke({ deviceUuids: ['d'.repeat(32)] }), 'ERR_REGISTRY_NOT_FOUND', 'd'.repeat(32));
  });

  it('revokes the grants of a fleet, leaving device grants alone', async () => {
    const a = await onDevice(DEV_A);
    const fleet = await onFleet('west');
    expect(ids(await fx.registry.grants.revoke({ fleet: 'west' }))).to.deep.equal([fleet.id]);
    expect(ids(await fx.registry.grants.covering(DEV_B, 22222))).to.deep.equal([]);
    expect(ids(await fx.registry.grants.covering(DEV_A, 22222))).to.deep.equal([a.id]);
    await expectCode(fx.registry.grants.revoke({ fleet: 'east' }), 'ERR_REGISTRY_NOT_FOUND', '"east"');
  });

  it("lists grants newest first, by device (with its fleet's) or by fleet", async () => {
    const a = await onDevice(DEV_A);
    const c = await onDevice(DEV_C);
    const fleet = await onFleet('west');
    expect(ids(await fx.registry.grants.list())).to.deep.equal([fleet.id, c.id, a.id]);
    expect(ids(await fx.registry.grants.list({ deviceUuid: DEV_A }))).to.deep.equal([fleet.id, a.id]);
    expect(ids(await fx.registry.grants.list({ deviceUuid: DEV_B }))).to.deep.equal([fleet.id]);
    expect(ids(await fx.registry.grants.list({ fleet: 'west' }))).to.deep.equal([fleet.id]);
    expect(ids(await fx.registry.grants.list({ at: fx.clock.t + 2 * HOUR, includeInactive: false }))).to.deep.equal([]);
    await expectCode(fx.registry.grants.list({ deviceUuid: 'd'.repeat(32) }), 'ERR_REGISTRY_NOT_FOUND');
    await expectCode(fx.registry.grants.list({ fleet: 'east' }), 'ERR_REGISTRY_NOT_FOUND', '"east"');
  });

  it("drops a device's grants with the device", async () => {
    const a = await onDevice(DEV_A);
    await fx.registry.devices.remove(DEV_A);
    expect(await fx.registry.grants.get(a.id)).to.equal(null);
  });
});
