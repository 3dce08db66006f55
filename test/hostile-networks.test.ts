import { hkdfSync } from 'node:crypto';
import { expect } from 'chai';
import { DEVICE_KEY_SALT } from '@tunnel/protocol/trust';
import { AdjustableClock, fakeClockEnv } from './support/faketime.js';
import { deviceList, eventually, FAST_AGENT_ARGS, serverCaPem, startAgent, startServerWithDevice, useServerWithDevice, type ServerWithDevice } from './support/fixtures.js';
import {
  balenaRootCA,
  configVariant,
  devCertificateFile,
  serverCertificateDates,
  writeExpiredServerCertificate,
} from './support/hostile-fixtures.js';
import { NO_PROXY_ENV } from './support/network.js';
import { logDetail, logErr, type LogLine, type Proc, tempDir } from './support/processes.js';
import { startTlsInterceptor, type TlsInterceptor } from './support/tls-interceptor.js';
import { unframeWebSocketStream } from './support/websocket-frames.js';

const DEVICE_BUILD_DATE = '2017-03-23 12:00:00';

function failuresWith(agent: Proc, code: string): LogLine[] {
  return agent.logs.filter((l) => l.msg === 'connection failed' && l.code === code);
}

/** Several failed attempts in a row, the process still alive: retrying with backoff, not crashed or stuck. */
async function expectKeepsRetrying(agent: Proc, code: string): Promise<void> {
  await eventually(() => (failuresWith(agent, code).length >= 3 ? true : undefined), 30_000, `three ${code} failures`);
  expect(agent.alive, 'agent process alive').to.equal(true);
  expect(agent.logs.filter((l) => l.msg === 'connected')).to.have.length(0);
}

async function expectNotConnected({ server, device }: ServerWithDevice): Promise<void> {
  const listed = (await deviceList(server.dataDir)).find((d) => d.uuid === device.uuid);
  expect(listed?.vpn.connected).to.equal(false);
}

describe('hostile networks: clock skew and expired certificates (agent processes)', function () {
  this.timeout(180_000);
  const world = useServerWithDevice('rtc-less-pi');
  let dates: { notBefore: string; notAfter: string };

  before(() => {
    dates = serverCertificateDates(devCertificateFile(world.server.dataDir));
  });

  it('with the clock at the OS build date: says "not yet valid" with both dates, keeps retrying, and connects once the clock is stepped, without a restart', async () => {
    const clock = new AdjustableClock(`@${DEVICE_BUILD_DATE}`);
    const agent = startAgent(world.device.file, FAST_AGENT_ARGS, { env: { ...NO_PROXY_ENV, ...clock.env() } });

    const failed = await agent.waitForLog((l) => l.msg === 'connection failed' && l.code === 'ERR_TLS_CERT_NOT_YET_VALID');
    expect(failed.level).to.equal('error');
    expect(logErr(failed).message).to.match(
      /^server certificate is not yet valid: device clock 2017-03-23T12:\d\d:\d\dZ is before notBefore \S+; the device clock is probably wrong \(is NTP, UDP 123, reachable\?\)$/,
    );
    expect(logErr(failed).message).to.contain(`before notBefore ${dates.notBefore};`);
    expect(failed['details']).to.include({ notBefore: dates.notBefore, notAfter: dates.notAfter, tlsCode: 'CERT_NOT_YET_VALID' });
    // The server's own clock, read over the same route, says how far off the device is.
    const offset = await agent.waitForLog((l) => /^device clock is \d+ years? .*behind the server/.test(String(l.msg)));
    expect(offset.level).to.equal('warn');
    expect(offset['clockOffsetMs']).to.be.below(-5 * 365 * 24 * 3600 * 1000);

    await expectKeepsRetrying(agent, 'ERR_TLS_CERT_NOT_YET_VALID');
    await expectNotConnected(world);

    // chronyd finally reaches an NTP server and steps the clock.
    const from = agent.logs.length;
    clock.set('+0');
    const connected = await agent.waitForLog((l) => l.msg === 'connected', 30_000, from);
    expect(agent.alive).to.equal(true);
    const listed = await eventually(async () => (await deviceList(world.server.dataDir)).find((d) => d.uuid === world.device.uuid && d.vpn.connected));
    expect(listed.vpn.sessionId).to.equal(connected['sessionId']);
    await agent.kill();
  });

  it('run under a fake clock it fails the same way; started again with the right clock it connects', async () => {
    const skewed = startAgent(world.device.file, FAST_AGENT_ARGS, { env: { ...NO_PROXY_ENV, ...fakeClockEnv(`@${DEVICE_BUILD_DATE}`) } });
    await expectKeepsRetrying(skewed, 'ERR_TLS_CERT_NOT_YET_VALID');
    await skewed.kill();

    const fixed = startAgent(world.device.file, FAST_AGENT_ARGS, { env: NO_PROXY_ENV });
    await fixed.waitForLog((l) => l.msg === 'connected');
    expect(failuresWith(fixed, 'ERR_TLS_CERT_NOT_YET_VALID')).to.have.length(0);
    await fixed.kill();
  });

  it('an expired server certificate: says "expired" with both dates, finds the clock right, keeps retrying', async () => {
    const dataDir = tempDir('tunnel-data-');
    const { certFile, keyFile } = await writeExpiredServerCertificate(dataDir);
    const expired = serverCertificateDates(certFile);
    const stale = await startServerWithDevice('fine-clock', { dataDir, args: ['--cert', certFile, '--key', keyFile] });
    const agent = startAgent(stale.device.file, FAST_AGENT_ARGS, { env: NO_PROXY_ENV });

    const failed = await agent.waitForLog((l) => l.msg === 'connection failed' && l.code === 'ERR_TLS_CERT_EXPIRED');
    expect(logErr(failed).message).to.match(/^server certificate has expired: device clock \S+ is after notAfter \S+; /);
    expect(logErr(failed).message).to.contain(`after notAfter ${expired.notAfter};`);
    expect(logErr(failed).message).to.contain('the server certificate must be renewed');
    expect(failed['details']).to.include({ notBefore: expired.notBefore, notAfter: expired.notAfter });
    // The clock agrees with the server's, so the certificate is what needs fixing.
    const clock = await agent.waitForLog((l) => String(l.msg).startsWith('device clock agrees with the server'));
    expect(clock.level).to.equal('info');
    await expectKeepsRetrying(agent, 'ERR_TLS_CERT_EXPIRED');
    await expectNotConnected(stale);
    await agent.kill();
  });

  it('a device clock years ahead sees the valid certificate as expired', async () => {
    const agent = startAgent(world.device.file, FAST_AGENT_ARGS, { env: { ...NO_PROXY_ENV, ...fakeClockEnv('+40y') } });
    const failed = await agent.waitForLog((l) => l.msg === 'connection failed' && l.code === 'ERR_TLS_CERT_EXPIRED');
    expect(logErr(failed).message).to.contain(`after notAfter ${dates.notAfter};`);
    await agent.waitForLog((l) => /^device clock is \d+ years? .*ahead of the server/.test(String(l.msg)) && l.level === 'warn');
    await agent.kill();
  });
});

/** Every form in which deviceApiKey, or the Ed25519 seed derived from it, could cross the wire. */
function secretForms(deviceApiKey: string): Buffer[] {
  const raw = Buffer.from(deviceApiKey, 'hex');
  const seed = Buffer.from(hkdfSync('sha256', Buffer.from(deviceApiKey, 'utf8'), Buffer.from(DEVICE_KEY_SALT, 'utf8'), Buffer.alloc(0), 32));
  const texts = [deviceApiKey, deviceApiKey.toUpperCase(), Buffer.from(deviceApiKey).toString('base64')];
  for (const bytes of [raw, seed]) texts.push(bytes.toString('hex'), bytes.toString('base64'), bytes.toString('base64url'));
  return [raw, seed, ...texts.map((t) => Buffer.from(t, 'utf8'))];
}

describe('hostile networks: a TLS-intercepting (DPI) network (agent processes)', function () {
  this.timeout(180_000);
  const world = useServerWithDevice('behind-dpi');
  let box: TlsInterceptor;

  before(async () => {
    box = await startTlsInterceptor({ port: world.server.port, caPem: serverCaPem(world.server) });
  });
  after(() => box.close());

  it("without balenaRootCA: names the interceptor's issuer, suggests balenaRootCA, and does not connect", async () => {
    const file = configVariant(world.device, { vpnPort: box.port });
    const agent = startAgent(file, FAST_AGENT_ARGS, { env: NO_PROXY_ENV });
    const failed = await agent.waitForLog((l) => l.msg === 'connection failed' && l.code === 'ERR_TLS_UNTRUSTED_ISSUER');
    expect(logErr(failed).message).to.equal(
      'the network presented a certificate issued by "CN=RCSI-TLS-PROTECT, O=Example DPI" which is not trusted; ' +
        'if this network inspects TLS, set balenaRootCA to its root CA',
    );
    expect(logDetail(failed, 'issuer')).to.equal('CN=RCSI-TLS-PROTECT, O=Example DPI');
    await expectKeepsRetrying(agent, 'ERR_TLS_UNTRUSTED_ISSUER');
    await expectNotConnected(world);
    // The device refused the box's certificate before sending anything through it.
    expect(Buffer.concat(box.fromDevice).length).to.equal(0);
    await agent.kill();
  });

  it('with balenaRootCA: connects through the interceptor, which never sees the device key', async () => {
    const file = configVariant(world.device, { vpnPort: box.port, balenaRootCA: balenaRootCA(box.caPem) });
    const agent = startAgent(file, FAST_AGENT_ARGS, { env: NO_PROXY_ENV });
    const connected = await agent.waitForLog((l) => l.msg === 'connected');
    const listed = await eventually(async () => (await deviceList(world.server.dataDir)).find((d) => d.uuid === world.device.uuid && d.vpn.connected));
    expect(listed.vpn.sessionId).to.equal(connected['sessionId']);
    await agent.kill();

    const toServer = unframeWebSocketStream(Buffer.concat(box.fromDevice.filter((b) => b.length > 0)));
    const toDevice = unframeWebSocketStream(Buffer.concat(box.fromServer.filter((b) => b.length > 0)));
    // Controls: the box really read the session in clear (the search below would find a secret if one were sent).
    expect(toServer.toString('latin1')).to.contain('GET /v1/device/connect');
    expect(toServer.toString('latin1')).to.contain(`"uuid":"${world.device.uuid}"`);
    expect(toServer.toString('latin1')).to.contain('"type":"proof"');
    expect(toDevice.toString('latin1')).to.contain('"type":"challenge"');
    for (const form of secretForms(world.device.config.deviceApiKey)) {
      expect(toServer.includes(form), `device->server holds ${form.toString('latin1').slice(0, 12)}…`).to.equal(false);
      expect(toDevice.includes(form), `server->device holds ${form.toString('latin1').slice(0, 12)}…`).to.equal(false);
    }
  });
});
