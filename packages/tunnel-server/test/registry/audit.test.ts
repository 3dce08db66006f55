import { expect } from 'chai';
import { AUDIT_INTERRUPTED, MAX_AUDIT_LIMIT } from '../../src/registry/index.js';
import { expectCode, describeRegistry } from './helpers.js';

const DEV_A = 'a'.repeat(32);
const DEV_B = 'b'.repeat(32);
/** The fields a plain stream entry leaves unset. */
const NO_EXTRAS = { kind: 'stream', sourceAddress: null, accessPath: null, action: null, subject: null };

describeRegistry('audit log', (fx) => {
  const stream = (user: string, deviceUuid: string, startedAt?: number) =>
    fx.registry.audit.start({ user, deviceUuid, targetHost: '127.0.0.1', targetPort: 22222, ...(startedAt === undefined ? {} : { startedAt }) });

  it('records a stream from start to finish', async () => {
    const started = fx.clock.t;
    const id = await stream('alice', DEV_A);
    expect(await fx.registry.audit.query()).to.deep.equal([
      { id, user: 'alice', deviceUuid: DEV_A, targetHost: '127.0.0.1', targetPort: 22222, startedAt: started, endedAt: null, bytesUp: 0, bytesDown: 0, result: null, ...NO_EXTRAS },
    ]);
    fx.clock.advance(5000);
    await fx.registry.audit.finish(id, { bytesUp: 1234, bytesDown: 5_000_000_000, result: 'ok' });
    expect(await fx.registry.audit.query()).to.deep.equal([
      { id, user: 'alice', deviceUuid: DEV_A, targetHost: '127.0.0.1', targetPort: 22222, startedAt: started, endedAt: started + 5000, bytesUp: 1234, bytesDown: 5_000_000_000, result: 'ok', ...NO_EXTRAS },
    ]);
  });

  it('records where a stream came from and which way, and admin actions with their actor', async () => {
    const id = await fx.registry.audit.start({ user: 'alice', deviceUuid: DEV_A, targetHost: '127.0.0.1', targetPort: 22222, sourceAddress: '198.51.100.7', accessPath: 'proxy-command' });
    const admin = await fx.registry.audit.start({ kind: 'admin', user: 'root', deviceUuid: '', targetHost: '', targetPort: 0, action: 'user-add', subject: 'bob as support' });
    await fx.registry.audit.finish(admin, { bytesUp: 0, bytesDown: 0, result: 'ok' });
    const [a, s] = await fx.registry.audit.query();
    expect(s).to.include({ id, kind: 'stream', sourceAddress: '198.51.100.7', accessPath: 'proxy-command', action: null, subject: null });
    expect(a).to.include({ id: admin, kind: 'admin', user: 'root', deviceUuid: '', action: 'user-add', subject: 'bob as support', result: 'ok' });
    await expectCode(fx.registry.audit.start({ kind: 'admin', user: 'root', deviceUuid: '', targetHost: '', targetPort: 0 }), 'ERR_REGISTRY_INVALID_VALUE', 'action');
  });

  it('keeps rows about devices and users that no longer exist', async () => {
    const d = await fx.registry.devices.create({ authPublicKey: 'k' });
    await fx.registry.users.create('alice', 'developer');
    const id = await stream('alice', d.uuid);
    await fx.registry.devices.remove(d.uuid);
    await fx.registry.users.remove('alice');
    expect((await fx.registry.audit.query()).map((r) => r.id)).to.deep.equal([id]);
  });

  it('filters by device, user and start time, newest first', async () => {
    const t0 = fx.clock.t;
    const s1 = await stream('alice', DEV_A, t0);
    const s2 = await stream('bob', DEV_A, t0 + 1000);
    const s3 = await stream('alice', DEV_B, t0 + 2000);
    const s4 = await stream('alice', DEV_A, t0 + 3000);
    const ids = async (filter: Parameters<typeof fx.registry.audit.query>[0]) => (await fx.registry.audit.query(filter)).map((r) => r.id);
    expect(await ids({})).to.deep.equal([s4, s3, s2, s1]);
    expect(await ids({ deviceUuid: DEV_A })).to.deep.equal([s4, s2, s1]);
    expect(await ids({ user: 'alice' })).to.deep.equal([s4, s3, s1]);
    expect(await ids({ user: 'alice', deviceUuid: DEV_A })).to.deep.equal([s4, s1]);
    expect(await ids({ since: t0 + 1000 })).to.deep.equal([s4, s3, s2]);
    expect(await ids({ since: t0 + 1000, user: 'alice', limit: 1 })).to.deep.equal([s4]);
    expect(await ids({ user: 'carol' })).to.deep.equal([]);
  });

  it('limits results to 100 by default', async () => {
    for (let i = 0; i < 105; i++) await stream('alice', DEV_A, fx.clock.t + i);
    const rows = await fx.registry.audit.query();
    expect(rows).to.have.length(100);
    expect(rows[0]?.startedAt).to.equal(fx.clock.t + 104);
    expect(await fx.registry.audit.query({ limit: 200 })).to.have.length(105);
  });

  it('refuses bad values and unknown ids', async () => {
    await expectCode(fx.registry.audit.start({ user: 'alice', deviceUuid: DEV_A, targetHost: 'h', targetPort: 0 }), 'ERR_REGISTRY_INVALID_PORT');
    await expectCode(fx.registry.audit.start({ user: '', deviceUuid: DEV_A, targetHost: 'h', targetPort: 1 }), 'ERR_REGISTRY_INVALID_VALUE', 'user');
    const id = await stream('alice', DEV_A);
    await expectCode(fx.registry.audit.finish(id, { bytesUp: -1, bytesDown: 0, result: 'ok' }), 'ERR_REGISTRY_INVALID_VALUE', 'bytesUp -1');
    await expectCode(fx.registry.audit.finish(id, { bytesUp: 0, bytesDown: 0, result: '' }), 'ERR_REGISTRY_INVALID_VALUE', 'result');
    await expectCode(fx.registry.audit.finish(id + 1, { bytesUp: 0, bytesDown: 0, result: 'ok' }), 'ERR_REGISTRY_NOT_FOUND', String(id + 1));
    await expectCode(fx.registry.audit.query({ limit: 0 }), 'ERR_REGISTRY_INVALID_VALUE', 'limit 0');
    await expectCode(fx.registry.audit.query({ limit: MAX_AUDIT_LIMIT + 1 }), 'ERR_REGISTRY_INVALID_VALUE');
  });

  it('prunes old streams and never reuses their ids', async () => {
    const t0 = fx.clock.t;
    const old = await stream('alice', DEV_A, t0 - 1000);
    const recent = await stream('alice', DEV_A, t0);
    expect(await fx.registry.audit.prune(t0)).to.equal(1);
    expect((await fx.registry.audit.query()).map((r) => r.id)).to.deep.equal([recent]);
    await fx.registry.audit.prune(t0 + 1);
    const next = await stream('alice', DEV_A);
    expect(next).to.be.greaterThan(Math.max(old, recent));
  });

  it('closes entries left open as interrupted and leaves finished ones alone', async () => {
    const done = await stream('alice', DEV_A);
    await fx.registry.audit.finish(done, { bytesUp: 1, bytesDown: 2, result: 'ok' });
    const open = await stream('bob', DEV_B);
    fx.clock.advance(1000);
    expect(await fx.registry.audit.closeInterrupted(fx.clock.t)).to.equal(1);
    const rows = await fx.registry.audit.query();
    expect(rows.find((r) => r.id === open)).to.include({ result: AUDIT_INTERRUPTED, endedAt: fx.clock.t });
    expect(rows.find((r) => r.id === done)).to.include({ result: 'ok' });
  });
});
