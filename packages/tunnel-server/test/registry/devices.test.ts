import { expect } from 'chai';
import { MIN_UUID_PREFIX, isDeviceUuid } from '../../src/registry/index.js';
import { expectCode, fakePublicKey, describeRegistry } from './helpers.js';

const UUID_A = 'aaaaaaa1' + '0'.repeat(24);
const UUID_B = 'aaaaaaa2' + '0'.repeat(24);
const UUID_C = 'bbbbbbbb' + '1'.repeat(24);

describeRegistry('devices', (fx) => {
  it('creates a device with a generated uuid and a default name from its prefix', async () => {
    const key = fakePublicKey();
    const d = await fx.registry.devices.create({ authPublicKey: key });
    expect(isDeviceUuid(d.uuid)).to.equal(true);
    expect(d).to.deep.include({ name: `device-${d.uuid.slice(0, 7)}`, fleet: null, authPublicKey: key, createdAt: fx.clock.t });
    expect(d).to.deep.include({
      lastError: null,
      lastRemoteAddress: null,
      agentVersion: null,
      clockOffsetMs: null,
      lastConnectedAt: null,
      lastDisconnectedAt: null,
    });
    expect(await fx.registry.devices.get(d.uuid)).to.deep.equal(d);
  });

  it("creates a device with the caller's uuid, name and fleet", async () => {
    await fx.registry.fleets.create('lab');
    const d = await fx.registry.devices.create({ uuid: UUID_A, name: 'gw-1', fleet: 'lab', authPublicKey: 'k' });
    expect(d).to.deep.include({ uuid: UUID_A, name: 'gw-1', fleet: 'lab' });
  });

  it('lengthens the default name while a shorter one is taken', async () => {
    await fx.registry.devices.create({ uuid: UUID_A, authPublicKey: 'k' });
    await fx.registry.devices.create({ uuid: 'aaaaaaa1f' + '0'.repeat(23), authPublicKey: 'k' });
    const third = await fx.registry.devices.create({ uuid: 'aaaaaaa1f1' + '0'.repeat(22), authPublicKey: 'k' });
    expect((await fx.registry.devices.list()).map((d) => d.name)).to.deep.equal(['device-aaaaaaa', 'device-aaaaaaa1', 'device-aaaaaaa1f']);
    expect(third.name).to.equal('device-aaaaaaa1f');
  });

  it('refuses invalid uuids, names and keys, naming the value', async () => {
    await expectCode(fx.registry.devices.create({ uuid: UUID_A.toUpperCase(), authPublicKey: 'k' }), 'ERR_REGISTRY_INVALID_UUID', UUID_A.toUpperCase());
    await expectCode(fx.registry.devices.create({ uuid: 'abc', authPublicKey: 'k' }), 'ERR_REGISTRY_INVALID_UUID', '"abc"');
    await expectCode(fx.registry.devices.create({ name: 'has space', authPublicKey: 'k' }), 'ERR_REGISTRY_INVALID_NAME', '"has space"');
    await expectCode(fx.registry.devices.create({ name: '-rf', authPublicKey: 'k' }), 'ERR_REGISTRY_INVALID_NAME', '"-rf"');
    await expectCode(fx.registry.devices.create({ authPublicKey: '' }), 'ERR_REGISTRY_INVALID_VALUE', 'authPublicKey');
    await expectCode(fx.registry.devices.create({ fleet: 'nope', authPublicKey: 'k' }), 'ERR_REGISTRY_NOT_FOUND', 'fleet "nope"');
    expect(await fx.registry.devices.list()).to.deep.equal([]);
  });

  it('refuses a duplicate uuid or name', async () => {
    await fx.registry.devices.create({ uuid: UUID_A, name: 'gw', authPublicKey: 'k' });
    await expectCode(fx.registry.devices.create({ uuid: UUID_A, authPublicKey: 'k' }), 'ERR_REGISTRY_DUPLICATE_UUID', UUID_A);
    await expectCode(fx.registry.devices.create({ uuid: UUID_B, name: 'gw', authPublicKey: 'k' }), 'ERR_REGISTRY_DUPLICATE_NAME', '"gw"');
  });

  it("moves its change marker on another process's removal and on its own changes, not on status facts", async () => {
    const devices = fx.registry.devices;
    await devices.create({ uuid: UUID_A, authPublicKey: 'k' });
    await devices.create({ uuid: UUID_B, authPublicKey: 'k' });
    const start = await devices.changeMarker();
    await devices.recordStatus(UUID_A, { lastConnectedAt: fx.clock.t });
    expect(await devices.changeMarker()).to.equal(start);
    await (await fx.open()).devices.remove(UUID_B);
    const afterOther = await devices.changeMarker();
    expect(afterOther).to.not.equal(start);
    expect(await devices.changeMarker()).to.equal(afterOther);
    await devices.remove(UUID_A);
    expect(await devices.changeMarker()).to.not.equal(afterOther);
  });

  it('returns null for an unknown uuid', async () => {
    expect(await fx.registry.devices.get(UUID_C)).to.equal(null);
  });

  describe('find', () => {
    beforeEach(async () => {
      await fx.registry.devices.create({ uuid: UUID_A, name: 'alpha', authPublicKey: 'k' });
      await fx.registry.devices.create({ uuid: UUID_B, name: 'beta', authPublicKey: 'k' });
      await fx.registry.devices.create({ uuid: UUID_C, name: 'gamma', authPublicKey: 'k' });
    });

    const uuids = (devices: { uuid: string }[]) => devices.map((d) => d.uuid);

    it('resolves a full uuid in any case, and a name', async () => {
      expect(uuids(await fx.registry.devices.find(UUID_B))).to.deep.equal([UUID_B]);
      expect(uuids(await fx.registry.devices.find(UUID_B.toUpperCase()))).to.deep.equal([UUID_B]);
      expect(uuids(await fx.registry.devices.find('gamma'))).to.deep.equal([UUID_C]);
    });

    it('resolves a unique prefix of at least 7 characters', async () => {
      expect(uuids(await fx.registry.devices.find('bbbbbbb'))).to.deep.equal([UUID_C]);
      expect(uuids(await fx.registry.devices.find('AAAAAAA2'))).to.deep.equal([UUID_B]);
    });

    it('returns every candidate of an ambiguous prefix', async () => {
      expect(uuids(await fx.registry.devices.find('aaaaaaa'))).to.deep.equal([UUID_A, UUID_B]);
    });

    it('never resolves a prefix shorter than the minimum, or nothing', async () => {
      expect(await fx.registry.devices.find('b'.repeat(MIN_UUID_PREFIX - 1))).to.deep.equal([]);
      expect(await fx.registry.devices.find('cccccccc')).to.deep.equal([]);
      expect(await fx.registry.devices.find('nobody')).to.deep.equal([]);
      expect(await fx.registry.devices.find('aaaaaaa%')).to.deep.equal([]);
    });

    it('prefers an exact name over uuid prefixes', async () => {
      await fx.registry.devices.update(UUID_C, { name: 'aaaaaaa' });
      expect(uuids(await fx.registry.devices.find('aaaaaaa'))).to.deep.equal([UUID_C]);
    });
  });

  it('lists by name, optionally by fleet', async () => {
    await fx.registry.fleets.create('lab');
    await fx.registry.devices.create({ uuid: UUID_A, name: 'zeta', fleet: 'lab', authPublicKey: 'k' });
    await fx.registry.devices.create({ uuid: UUID_B, name: 'eta', authPublicKey: 'k' });
    await fx.registry.devices.create({ uuid: UUID_C, name: 'theta', fleet: 'lab', authPublicKey: 'k' });
    expect((await fx.registry.devices.list()).map((d) => d.name)).to.deep.equal(['eta', 'theta', 'zeta']);
    expect((await fx.registry.devices.list({ fleet: 'lab' })).map((d) => d.name)).to.deep.equal(['theta', 'zeta']);
    await expectCode(fx.registry.devices.list({ fleet: 'nope' }), 'ERR_REGISTRY_NOT_FOUND', 'fleet');
  });

  it('renames and moves a device between fleets', async () => {
    await fx.registry.fleets.create('lab');
    await fx.registry.devices.create({ uuid: UUID_A, name: 'one', authPublicKey: 'k' });
    await fx.registry.devices.create({ uuid: UUID_B, name: 'two', authPublicKey: 'k' });
    expect(await fx.registry.devices.update(UUID_A, { name: 'uno', fleet: 'lab' })).to.deep.include({ name: 'uno', fleet: 'lab' });
    expect(await fx.registry.devices.update(UUID_A, { fleet: null })).to.deep.include({ name: 'uno', fleet: null });
    expect(await fx.registry.devices.update(UUID_A, { name: 'uno' })).to.deep.include({ name: 'uno' });
    await expectCode(fx.registry.devices.update(UUID_A, { name: 'two' }), 'ERR_REGISTRY_DUPLICATE_NAME', '"two"');
    await expectCode(fx.registry.devices.update(UUID_A, { fleet: 'none' }), 'ERR_REGISTRY_NOT_FOUND', '"none"');
    await expectCode(fx.registry.devices.update(UUID_C, { name: 'x' }), 'ERR_REGISTRY_NOT_FOUND', UUID_C);
    expect(await fx.registry.devices.get(UUID_A)).to.deep.include({ name: 'uno', fleet: null });
  });

  it('records status facts, changing only those given', async () => {
    await fx.registry.devices.create({ uuid: UUID_A, authPublicKey: 'k' });
    const error = { code: 'ERR_AUTH_BAD_SIGNATURE', message: 'signature did not verify', at: 1_000 };
    await fx.registry.devices.recordStatus(UUID_A, {
      lastError: error,
      lastRemoteAddress: '203.0.113.7',
      agentVersion: '0.1.0',
      clockOffsetMs: -14_400_000.4,
      lastConnectedAt: 2_000,
    });
    await fx.registry.devices.recordStatus(UUID_A, { lastDisconnectedAt: 3_000 });
    expect(await fx.registry.devices.get(UUID_A)).to.deep.include({
      lastError: error,
      lastRemoteAddress: '203.0.113.7',
      agentVersion: '0.1.0',
      clockOffsetMs: -14_400_000,
      lastConnectedAt: 2_000,
      lastDisconnectedAt: 3_000,
    });
    await fx.registry.devices.recordStatus(UUID_A, { lastError: null, clockOffsetMs: null });
    expect(await fx.registry.devices.get(UUID_A)).to.deep.include({ lastError: null, clockOffsetMs: null, agentVersion: '0.1.0' });
  });

  it('refuses status facts for an unknown device and bad values', async () => {
    await expectCode(fx.registry.devices.recordStatus(UUID_C, { agentVersion: '1' }), 'ERR_REGISTRY_NOT_FOUND', UUID_C);
    await expectCode(fx.registry.devices.recordStatus(UUID_C, {}), 'ERR_REGISTRY_NOT_FOUND', UUID_C);
    await fx.registry.devices.create({ uuid: UUID_A, authPublicKey: 'k' });
    await expectCode(fx.registry.devices.recordStatus(UUID_A, { clockOffsetMs: Number.NaN }), 'ERR_REGISTRY_INVALID_VALUE', 'clockOffsetMs');
    await expectCode(fx.registry.devices.recordStatus(UUID_A, { lastConnectedAt: -1 }), 'ERR_REGISTRY_INVALID_VALUE', 'lastConnectedAt');
  });

  it('commits status facts written together in one group, refusing only the unknown device', async () => {
    await fx.registry.devices.create({ uuid: UUID_A, authPublicKey: 'k' });
    await fx.registry.devices.create({ uuid: UUID_B, authPublicKey: 'k' });
    const writes = [
      fx.registry.devices.recordStatus(UUID_A, { lastConnectedAt: 1_000 }),
      fx.registry.devices.recordStatus(UUID_C, { lastConnectedAt: 1_000 }),
      fx.registry.devices.recordStatus(UUID_B, { agentVersion: '2' }),
      fx.registry.devices.recordStatus(UUID_A, { lastDisconnectedAt: 2_000 }),
    ];
    const outcomes = await Promise.allSettled(writes);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    await expectCode(writes[1]!, 'ERR_REGISTRY_NOT_FOUND', UUID_C);
    expect(await fx.registry.devices.get(UUID_A)).to.deep.include({ lastConnectedAt: 1_000, lastDisconnectedAt: 2_000 });
    expect(await fx.registry.devices.get(UUID_B)).to.deep.include({ agentVersion: '2' });
  });

  it('removes a device, and refuses to remove an unknown one', async () => {
    await fx.registry.devices.create({ uuid: UUID_A, authPublicKey: 'k' });
    await fx.registry.devices.remove(UUID_A);
    expect(await fx.registry.devices.get(UUID_A)).to.equal(null);
    await expectCode(fx.registry.devices.remove(UUID_A), 'ERR_REGISTRY_NOT_FOUND', UUID_A);
  });
});
