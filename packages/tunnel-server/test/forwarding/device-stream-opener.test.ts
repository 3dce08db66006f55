import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OpenError, OpenResult } from '@tunnel/protocol/tunnel';
import { DeviceSessions } from '../../src/devices/device-sessions.js';
import { ACCESS_REVOKED, DeviceStreamOpener, type OpenedDeviceStream } from '../../src/forwarding/device-stream-opener.js';
import { SqlitePresence } from '../../src/presence/sqlite-presence.js';
import type { AuditRecord, UserRecord } from '../../src/registry/types.js';
import { capturedLogger, connectDevice, echoServer, roundTrip, type ConnectedDevice } from '../devices/live-device.js';
import { fakePublicKey, useRegistry } from '../registry/helpers.js';

const origin = { via: 'tunnel', remoteAddress: '127.0.0.1' } as const;

describe('stream opener: access checked at open and for as long as the stream runs (in process)', function () {
  this.timeout(60_000);
  const fx = useRegistry();
  let presence: SqlitePresence;
  let echo: Awaited<ReturnType<typeof echoServer>>;
  let device: ConnectedDevice;
  let uuid: string;
  let support: UserRecord;
  let supportToken: string;
  let opener: DeviceStreamOpener;
  let logs: ReturnType<typeof capturedLogger>;

  beforeEach(async () => {
    presence = SqlitePresence.open(mkdtempSync(path.join(tmpdir(), 'opener-')));
    echo = await echoServer();
    logs = capturedLogger();
    uuid = (await fx.registry.devices.create({ name: 'pi-1', authPublicKey: fakePublicKey() })).uuid;
    ({ user: support, token: supportToken } = await fx.registry.users.create('night-shift', 'support'));
    const sessions = new DeviceSessions(presence, logs.log);
    device = await connectDevice(uuid, 's1');
    sessions.add(device.live);
    opener = new DeviceStreamOpener({ registry: fx.registry, presence, sessions, log: logs.log, metrics: { streamOpened: () => undefined, streamFinished: () => undefined }, userStreamLimit: 8 });
  });

  afterEach(async () => {
    opener.stopWatching();
    device.live.session.close();
    echo.close();
    await presence.close();
  });

  const grant = (expiresAt: number) => fx.registry.grants.create({ scope: { kind: 'device', deviceUuid: uuid }, ports: [echo.port], createdBy: 'test', expiresAt });
  const open = () => opener.open(support, supportToken, { device: uuid, host: '127.0.0.1', port: echo.port }, origin);

  /** What a caller does when the stream ends: report its totals. Returns the audit entry once closed. */
  async function finishAndAudit(opened: OpenedDeviceStream): Promise<AuditRecord> {
    opened.finished({ bytesUp: 4, bytesDown: 4, durationMs: 1 });
    for (;;) {
      const [entry] = await fx.registry.audit.query({});
      if (entry?.endedAt !== null && entry?.endedAt !== undefined) return entry;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  const closed = (opened: OpenedDeviceStream) => new Promise<void>((resolve) => (opened.stream.destroyed ? resolve() : opened.stream.once('close', () => resolve())));

  it('refuses support without a grant, and audits the refusal', async () => {
    let refusal: unknown;
    await open().catch((err: unknown) => (refusal = err));
    expect(refusal).to.be.instanceOf(OpenError).with.property('result', OpenResult.AccessDenied);
    const [entry] = await fx.registry.audit.query({});
    expect(entry).to.include({ user: 'night-shift', deviceUuid: uuid, result: OpenResult.AccessDenied });
  });

  it('cuts a live stream when its grant is revoked, and audits it as revoked', async () => {
    await grant(Date.now() + 60 * 60_000);
    const opened = await open();
    expect(await roundTrip(opened.stream, 'ping')).to.equal('ping');
    expect(opener.liveCount).to.equal(1);

    await fx.registry.grants.revoke({ deviceUuids: [uuid] });
    await opener.recheck();
    await closed(opened);
    const line = await logs.waitFor('access ended: closing a live stream');
    expect(line).to.include({ user: 'night-shift', uuid, port: echo.port });
    expect((await finishAndAudit(opened)).result).to.equal(ACCESS_REVOKED);
    expect(opener.liveCount).to.equal(0);
  });

  it('cuts a live stream the moment its grant expires, without waiting for a periodic check', async () => {
    await grant(Date.now() + 1_500);
    const opened = await open();
    expect(await roundTrip(opened.stream, 'ping')).to.equal('ping');
    await closed(opened);
    expect(String((await logs.waitFor('access ended: closing a live stream'))['reason'])).to.contain('expired');
    expect((await finishAndAudit(opened)).result).to.equal(ACCESS_REVOKED);
  });

  it('keeps a stream whose access still holds on a re-check', async () => {
    await grant(Date.now() + 60 * 60_000);
    const opened = await open();
    await opener.recheck();
    expect(await roundTrip(opened.stream, 'still allowed')).to.equal('still allowed');
    opened.stream.end();
    expect((await finishAndAudit(opened)).result).to.equal(OpenResult.Ok);
  });

  it('keeps live streams through a registry outage and logs the failing re-checks once, not every second', async () => {
    await grant(Date.now() + 60 * 60_000);
    const opened = await open();
    await fx.registry.close();
    for (let i = 0; i < 5; i++) await opener.recheck();
    expect(await roundTrip(opened.stream, 'still here')).to.equal('still here');
    const failures = logs.lines.filter((l) => l['msg'] === 'could not re-check access of live streams');
    expect(failures).to.have.length(1);
    expect(failures[0]).to.include({ code: 'ERR_REGISTRY_CLOSED', attempt: 1 });
    opened.stream.destroy();
  });
});
