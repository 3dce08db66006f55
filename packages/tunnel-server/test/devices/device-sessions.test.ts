import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CloseCode } from '@tunnel/protocol/wire';
import { DeviceSessions } from '../../src/devices/device-sessions.js';
import { SqlitePresence } from '../../src/presence/sqlite-presence.js';
import { capturedLogger, connectDevice, echoServer, roundTrip } from './live-device.js';

const uuid = 'cd'.repeat(16);
const info = { nodeId: 'node-a', remoteAddress: '127.0.0.1', agentVersion: 'test', clockOffsetMs: 0 };

describe('device sessions (real WebSocket, yamux and presence file, in process)', function () {
  this.timeout(60_000);
  let presence: SqlitePresence;
  let echo: Awaited<ReturnType<typeof echoServer>>;

  beforeEach(async () => {
    presence = SqlitePresence.open(mkdtempSync(path.join(tmpdir(), 'device-sessions-')));
    echo = await echoServer();
  });
  afterEach(async () => {
    echo.close();
    await presence.close();
  });

  it('a reconnect replaces the old session, whose late close leaves the device online', async () => {
    const { log, waitFor } = capturedLogger();
    const sessions = new DeviceSessions(presence, log);
    const first = await connectDevice(uuid, 's1');
    await presence.connected(uuid, 's1', { ...info, at: 1 });
    sessions.add(first.live);
    const second = await connectDevice(uuid, 's2');
    await presence.connected(uuid, 's2', { ...info, at: 2 });
    sessions.add(second.live);

    expect(sessions.get(uuid)).to.equal(second.live);
    expect((await first.closed).code).to.equal(1000);
    const late = await waitFor('old device session closed (device already reconnected)');
    expect(late).to.include({ uuid, sessionId: 's1', wasCurrent: false });
    expect((await presence.get(uuid))?.sessionId).to.equal('s2');
    expect(sessions.size).to.equal(1);
    // The new session works.
    const stream = await second.live.session.open({ host: '127.0.0.1', port: echo.port });
    expect(await roundTrip(stream, 'still here')).to.equal('still here');
    stream.destroy();

    second.live.session.close();
    await waitFor('device disconnected');
    expect((await presence.get(uuid))?.sessionId).to.equal(null);
    expect(sessions.size).to.equal(0);
  });

  it('drain: GoAway first, a stream in flight finishes within the grace, then the device is told when to come back', async () => {
    const { log } = capturedLogger();
    const sessions = new DeviceSessions(presence, log);
    const device = await connectDevice(uuid, 's1');
    await presence.connected(uuid, 's1', { ...info, at: 1 });
    sessions.add(device.live);
    const stream = await device.live.session.open({ host: '127.0.0.1', port: echo.port });
    const goAway = new Promise<void>((resolve) => device.agent.once('goaway', () => resolve()));

    const drained = sessions.drainAll({ graceMs: 30_000, spreadMs: 10_000, windowMs: 0 }, () => 0.25);
    await goAway;
    // In flight: still carries bytes both ways after the GoAway.
    expect(await roundTrip(stream, 'during the drain')).to.equal('during the drain');
    stream.end();
    await drained;
    const closed = await device.closed;
    expect(closed.code).to.equal(CloseCode.Drain);
    expect(JSON.parse(closed.reason)).to.deep.equal({ retryAfterMs: 2500 });
  });

  it('kick closes the session at once and tells the device why', async () => {
    const { log } = capturedLogger();
    const sessions = new DeviceSessions(presence, log);
    const device = await connectDevice(uuid, 's1');
    sessions.add(device.live);
    sessions.kick(uuid, 'device removed');
    expect(await device.closed).to.deep.equal({ code: 4403, reason: 'device removed' });
  });
});
