import { expect } from 'chai';
import { expectCode, HOUR, describeRegistry } from './helpers.js';

describeRegistry('fleets and members', (fx) => {
  it('creates, gets and lists fleets by name', async () => {
    expect(await fx.registry.fleets.create('west')).to.deep.equal({ name: 'west', createdAt: fx.clock.t });
    await fx.registry.fleets.create('east');
    expect((await fx.registry.fleets.list()).map((f) => f.name)).to.deep.equal(['east', 'west']);
    expect(await fx.registry.fleets.get('west')).to.deep.equal({ name: 'west', createdAt: fx.clock.t });
    expect(await fx.registry.fleets.get('north')).to.equal(null);
  });

  it('refuses a duplicate or invalid name', async () => {
    await fx.registry.fleets.create('west');
    await expectCode(fx.registry.fleets.create('west'), 'ERR_REGISTRY_DUPLICATE_NAME', 'fleet named "west"');
    await expectCode(fx.registry.fleets.create('we/st'), 'ERR_REGISTRY_INVALID_NAME', '"we/st"');
  });

  it('adds, lists and removes members', async () => {
    await fx.registry.fleets.create('west');
    await fx.registry.fleets.create('east');
    await fx.registry.users.create('bob', 'developer');
    await fx.registry.users.create('alice', 'support');
    await fx.registry.fleets.addMember('west', 'bob');
    await fx.registry.fleets.addMember('west', 'alice');
    await fx.registry.fleets.addMember('east', 'bob');
    expect((await fx.registry.fleets.members('west')).map((u) => [u.name, u.role])).to.deep.equal([
      ['alice', 'support'],
      ['bob', 'developer'],
    ]);
    expect(await fx.registry.fleets.fleetsOf('bob')).to.deep.equal(['east', 'west']);
    await fx.registry.fleets.removeMember('west', 'bob');
    expect(await fx.registry.fleets.fleetsOf('bob')).to.deep.equal(['east']);
    expect((await fx.registry.fleets.members('west')).map((u) => u.name)).to.deep.equal(['alice']);
  });

  it('refuses a duplicate membership and unknown fleets, users and memberships', async () => {
    await fx.registry.fleets.create('west');
    await fx.registry.users.create('bob', 'developer');
    await fx.registry.fleets.addMember('west', 'bob');
    await expectCode(fx.registry.fleets.addMember('west', 'bob'), 'ERR_REGISTRY_DUPLICATE_MEMBER', '"bob"', '"west"');
    await expectCode(fx.registry.fleets.addMember('east', 'bob'), 'ERR_REGISTRY_NOT_FOUND', 'fleet "east"');
    await expectCode(fx.registry.fleets.addMember('west', 'eve'), 'ERR_REGISTRY_NOT_FOUND', 'user "eve"');
    await fx.registry.fleets.removeMember('west', 'bob');
    await expectCode(fx.registry.fleets.removeMember('west', 'bob'), 'ERR_REGISTRY_NOT_FOUND', '"west"', '"bob"');
    await expectCode(fx.registry.fleets.members('east'), 'ERR_REGISTRY_NOT_FOUND', '"east"');
    await expectCode(fx.registry.fleets.fleetsOf('eve'), 'ERR_REGISTRY_NOT_FOUND', '"eve"');
  });

  it('drops memberships with the user', async () => {
    await fx.registry.fleets.create('west');
    await fx.registry.users.create('bob', 'developer');
    await fx.registry.fleets.addMember('west', 'bob');
    await fx.registry.users.remove('bob');
    expect(await fx.registry.fleets.members('west')).to.deep.equal([]);
  });

  it('refuses to remove a fleet that still has devices', async () => {
    await fx.registry.fleets.create('west');
    const d = await fx.registry.devices.create({ fleet: 'west', authPublicKey: 'k' });
    await expectCode(fx.registry.fleets.remove('west'), 'ERR_REGISTRY_FLEET_IN_USE', '"west"', '1 device');
    await fx.registry.devices.update(d.uuid, { fleet: null });
    await fx.registry.fleets.remove('west');
    expect(await fx.registry.fleets.list()).to.deep.equal([]);
    await expectCode(fx.registry.fleets.remove('west'), 'ERR_REGISTRY_NOT_FOUND', '"west"');
  });

  it('removes a fleet with its memberships and support grants', async () => {
    await fx.registry.fleets.create('west');
    await fx.registry.users.create('bob', 'developer');
    await fx.registry.fleets.addMember('west', 'bob');
    const grant = await fx.registry.grants.create({ scope: { kind: 'fleet', fleet: 'west' }, createdBy: 'admin', expiresAt: fx.clock.t + HOUR });
    await fx.registry.fleets.remove('west');
    expect(await fx.registry.fleets.fleetsOf('bob')).to.deep.equal([]);
    expect(await fx.registry.grants.get(grant.id)).to.equal(null);
    // A fleet of the same name later is a new fleet: nothing carries over.
    await fx.registry.fleets.create('west');
    expect(await fx.registry.fleets.members('west')).to.deep.equal([]);
  });
});
