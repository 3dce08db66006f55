import { expect } from 'chai';
import { useRegistry } from './helpers.js';

const DEV = 'a'.repeat(32);

/**
 * The SQLite registry's access marker (what a tunnel session's access cache is kept by): it must
 * change for every change that can take access away, whoever made it, and may stay for the
 * audit log, which every stream writes.
 */
describe('registry access marker (SQLite)', () => {
  const fx = useRegistry();

  it('changes when another connection (an admin command) commits, and when this one changes access', async () => {
    const { registry } = fx;
    await registry.fleets.create('lab');
    await registry.users.create('dev', 'developer');
    await registry.fleets.addMember('lab', 'dev');
    const before = await registry.accessMarker();
    expect(before).to.be.a('string');
    expect(await registry.accessMarker(), 'nothing changed').to.equal(before);

    const admin = fx.open();
    await admin.fleets.removeMember('lab', 'dev');
    const afterOther = await registry.accessMarker();
    expect(afterOther, 'another process removed a membership').to.not.equal(before);

    await registry.users.rotateToken('dev');
    const afterOwn = await registry.accessMarker();
    expect(afterOwn, 'this process rotated a token').to.not.equal(afterOther);
    await registry.users.remove('dev');
    expect(await registry.accessMarker(), 'this process removed a user').to.not.equal(afterOwn);
  });

  it('stays the same over audit writes, which decide nobody’s access', async () => {
    const { registry } = fx;
    const before = await registry.accessMarker();
    const id = await registry.audit.start({ user: 'dev', deviceUuid: DEV, targetHost: '127.0.0.1', targetPort: 22 });
    await registry.audit.finish(id, { bytesUp: 1, bytesDown: 1, result: 'ok' });
    expect(await registry.accessMarker()).to.equal(before);
  });
});
