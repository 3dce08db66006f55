import { expect } from 'chai';
import { INHERITED_LOGIN } from '../../src/registry/index.js';
import { describeRegistry, expectCode, fakePublicKey } from './helpers.js';

describeRegistry('terminal logins per fleet and device', (fx) => {
  it('gives a device its own fields first, then its fleet\'s, and null for what the server decides', async () => {
    const r = fx.registry;
    await r.fleets.create('west');
    const pi = await r.devices.create({ authPublicKey: fakePublicKey(), fleet: 'west' });
    const loner = await r.devices.create({ authPublicKey: fakePublicKey() });
    expect(await r.terminalLogins.forDevice(pi.uuid)).to.deep.equal(INHERITED_LOGIN);

    expect(await r.terminalLogins.set({ kind: 'fleet', fleet: 'west' }, { sshPort: 2222, sshUser: 'ops' })).to.deep.equal({ sshPort: 2222, sshUser: 'ops' });
    expect(await r.terminalLogins.forDevice(pi.uuid)).to.deep.equal({ sshPort: 2222, sshUser: 'ops' });
    await r.terminalLogins.set({ kind: 'device', deviceUuid: pi.uuid }, { sshUser: 'root' });
    expect(await r.terminalLogins.forDevice(pi.uuid)).to.deep.equal({ sshPort: 2222, sshUser: 'root' });
    expect(await r.terminalLogins.get({ kind: 'device', deviceUuid: pi.uuid })).to.deep.equal({ sshPort: null, sshUser: 'root' });
    expect(await r.terminalLogins.forDevice(loner.uuid)).to.deep.equal(INHERITED_LOGIN);

    // Changing one field keeps the other; null inherits again, and a second process sees it all.
    await r.terminalLogins.set({ kind: 'fleet', fleet: 'west' }, { sshPort: null });
    const other = await fx.open();
    expect(await other.terminalLogins.forDevice(pi.uuid)).to.deep.equal({ sshPort: null, sshUser: 'root' });
    await other.close();
  });

  it('goes with the device or fleet it belongs to, and refuses unknown scopes and bad values', async () => {
    const r = fx.registry;
    await r.fleets.create('west');
    const pi = await r.devices.create({ authPublicKey: fakePublicKey() });
    await r.terminalLogins.set({ kind: 'device', deviceUuid: pi.uuid }, { sshPort: 22 });
    await r.devices.remove(pi.uuid);
    expect(await r.terminalLogins.forDevice(pi.uuid)).to.deep.equal(INHERITED_LOGIN);
    await r.terminalLogins.set({ kind: 'fleet', fleet: 'west' }, { sshUser: 'ops' });
    await r.fleets.remove('west');
    await r.fleets.create('west');
    expect(await r.terminalLogins.get({ kind: 'fleet', fleet: 'west' })).to.deep.equal(INHERITED_LOGIN);

    await expectCode(r.terminalLogins.set({ kind: 'fleet', fleet: 'east' }, { sshPort: 22 }), 'ERR_REGISTRY_NOT_FOUND', 'fleet "east"');
    await expectCode(r.terminalLogins.set({ kind: 'device', deviceUuid: 'f'.repeat(32) }, { sshPort: 22 }), 'ERR_REGISTRY_NOT_FOUND', 'device');
    await expectCode(r.terminalLogins.set({ kind: 'fleet', fleet: 'west' }, { sshPort: 70000 }), 'ERR_REGISTRY_INVALID_PORT', '70000');
    await expectCode(r.terminalLogins.set({ kind: 'fleet', fleet: 'west' }, { sshUser: 'root; rm -rf /' }), 'ERR_REGISTRY_INVALID_NAME', 'ssh user');
  });
});
