import { expect } from 'chai';
import { authorize, type AccessDecision } from '../../src/access/authorize.js';
import { SessionAccessCache } from '../../src/access/session-access-cache.js';
import type { DeviceRecord } from '../../src/registry/types.js';
import { useRegistry } from '../registry/helpers.js';

const TARGET = { host: '127.0.0.1', port: 22 };

/**
 * A tunnel session's access cache on a real registry file, changed by a second connection as an
 * admin command would change it.
 */
describe('session access cache', () => {
  const fx = useRegistry();

  async function world(): Promise<{ cache: SessionAccessCache; device: DeviceRecord; decisions: () => number; decide: () => Promise<AccessDecision> }> {
    const { registry } = fx;
    await registry.fleets.create('lab');
    const { token } = await registry.users.create('dev', 'developer');
    await registry.fleets.addMember('lab', 'dev');
    const device = await registry.devices.create({ name: 'pi-1', fleet: 'lab', authPublicKey: 'key' });
    const cache = new SessionAccessCache(registry, token);
    let asked = 0;
    const decide = async (): Promise<AccessDecision> => {
      asked += 1;
      const user = await registry.users.get('dev');
      return authorize(user!, device, TARGET, { registry, now: Date.now() });
    };
    return { cache, device, decisions: () => asked, decide };
  }

  it('answers again from what it read while nothing changed, and reads again after a change in another process', async () => {
    const { cache, device, decisions, decide } = await world();
    for (let i = 0; i < 3; i++) {
      expect(await cache.authenticate()).to.include({ name: 'dev' });
      expect(await cache.decision(device, TARGET, Date.now(), decide)).to.include({ allowed: true });
    }
    expect(decisions()).to.equal(1);

    await fx.open().fleets.removeMember('lab', 'dev');
    expect(await cache.authenticate()).to.include({ name: 'dev' });
    expect(await cache.decision(device, TARGET, Date.now(), decide)).to.include({ allowed: false });
    expect(decisions()).to.equal(2);
  });

  it('does not keep an answer read before a change that another open of the session saw first', async () => {
    const { cache, device, decisions, decide } = await world();
    const admin = fx.open();
    await cache.authenticate();
    // This open's answer is read, then the membership goes and a second open notices, then the answer arrives.
    const racing = async (): Promise<AccessDecision> => {
      const answer = await decide();
      await admin.fleets.removeMember('lab', 'dev');
      await cache.authenticate();
      return answer;
    };
    expect(await cache.decision(device, TARGET, Date.now(), racing)).to.include({ allowed: true });
    // The next open must not be let in on that answer.
    await cache.authenticate();
    expect(await cache.decision(device, TARGET, Date.now(), decide)).to.include({ allowed: false });
    expect(decisions()).to.equal(2);
  });

  it('refuses a rotated token on the next open', async () => {
    const { cache } = await world();
    expect(await cache.authenticate()).to.include({ name: 'dev' });
    await fx.open().users.rotateToken('dev');
    expect(await cache.authenticate()).to.equal(null);
  });
});
