import { expect } from 'chai';
import { authorize } from '../../src/access/authorize.js';
import type { DeviceRecord, UserRecord } from '../../src/registry/types.js';
import { useRegistry } from '../registry/helpers.js';

describe('authorize (the one access decision)', () => {
  const fx = useRegistry();
  const device = { uuid: '3f2a9c1' + '0'.repeat(25), name: 'pi-1' } as DeviceRecord;
  const target = { host: '127.0.0.1', port: 22222 };
  const user = (role: UserRecord['role']): UserRecord => ({ name: `u-${role}`, role, createdAt: 0 });

  it('lets admins and developers reach every device', async () => {
    for (const role of ['admin', 'developer'] as const) {
      expect(await authorize(user(role), device, target, { registry: fx.registry, now: Date.now() })).to.deep.equal({ allowed: true });
    }
  });

  it('denies support users without a grant, naming why', async () => {
    const decision = await authorize(user('support'), device, target, { registry: fx.registry, now: Date.now() });
    expect(decision.allowed).to.equal(false);
    expect(decision.allowed ? '' : decision.reason).to.contain('u-support').and.contain('3f2a9c1').and.contain('support grant');
  });
});
