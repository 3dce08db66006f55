import { expect } from 'chai';
import { authorize, type AccessDecision } from '../../src/access/authorize.js';
import type { DeviceRecord, UserRecord } from '../../src/registry/types.js';
import { useRegistry } from '../registry/helpers.js';

const reason = (d: AccessDecision): string => (d.allowed ? '' : d.reason);

describe('authorize (the one access decision)', () => {
  const fx = useRegistry();
  const target = { host: '127.0.0.1', port: 22222 };
  let inFleet: DeviceRecord;
  let loose: DeviceRecord;
  let admin: UserRecord;
  let dev: UserRecord;
  let outsider: UserRecord;
  let helper: UserRecord;
  const ctx = () => ({ registry: fx.registry, now: fx.clock.now() });

  beforeEach(async () => {
    const r = fx.registry;
    await r.fleets.create('lab');
    await r.fleets.create('field');
    inFleet = await r.devices.create({ name: 'pi-1', fleet: 'lab', authPublicKey: 'k1' });
    loose = await r.devices.create({ name: 'pi-2', authPublicKey: 'k2' });
    admin = (await r.users.create('root', 'admin')).user;
    dev = (await r.users.create('dev', 'developer')).user;
    outsider = (await r.users.create('other', 'developer')).user;
    helper = (await r.users.create('helper', 'support')).user;
    await r.fleets.addMember('lab', 'dev');
    await r.fleets.addMember('field', 'other');
  });

  it('lets admins reach every device', async () => {
    expect(await authorize(admin, inFleet, target, ctx())).to.include({ allowed: true, rule: 'admin' });
    expect(await authorize(admin, loose, target, ctx())).to.include({ allowed: true });
  });

  it('lets developers reach the devices of their fleets only, naming the fleet otherwise', async () => {
    expect(await authorize(dev, inFleet, target, ctx())).to.include({ allowed: true, rule: 'member of fleet lab' });
    expect(reason(await authorize(outsider, inFleet, target, ctx()))).to.equal(
      `developer other is not a member of fleet "lab", to which device ${inFleet.uuid.slice(0, 7)} belongs`,
    );
    expect(reason(await authorize(dev, loose, target, ctx()))).to.contain('belongs to no fleet');
  });

  it('lets support through an active grant on the device or its fleet, on the granted ports, until it expires', async () => {
    const short = inFleet.uuid.slice(0, 7);
    expect(reason(await authorize(helper, inFleet, target, ctx()))).to.contain(`no support access has been granted for device ${short}`);
    const grant = await fx.registry.grants.create({ scope: { kind: 'device', deviceUuid: inFleet.uuid }, createdBy: 'root', expiresAt: fx.clock.now() + 3_600_000 });
    expect(await authorize(helper, inFleet, target, ctx())).to.deep.equal({ allowed: true, rule: `support grant #${grant.id} on device ${short}`, until: grant.expiresAt });
    expect(reason(await authorize(helper, inFleet, { host: '127.0.0.1', port: 80 }, ctx()))).to.equal(`support access to ${short} (grant #${grant.id}) covers port 22222, not 80`);
    fx.clock.advance(3_600_000);
    expect(reason(await authorize(helper, inFleet, target, ctx()))).to.equal(`support access to ${short} expired 2026-11-22T11:00Z`);
  });

  it('names a revoked grant, and honours fleet-wide grants', async () => {
    const short = inFleet.uuid.slice(0, 7);
    await fx.registry.grants.create({ scope: { kind: 'fleet', fleet: 'lab' }, ports: [22222, 48484], createdBy: 'root', expiresAt: fx.clock.now() + 60_000 });
    expect(await authorize(helper, inFleet, { host: '127.0.0.1', port: 48484 }, ctx())).to.include({ allowed: true });
    expect(reason(await authorize(helper, loose, target, ctx()))).to.contain('no support access');
    fx.clock.advance(1_000);
    await fx.registry.grants.revoke({ fleet: 'lab' });
    expect(reason(await authorize(helper, inFleet, target, ctx()))).to.equal(`support access to ${short} was revoked 2026-11-22T10:00Z`);
  });
});
