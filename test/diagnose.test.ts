import { expect } from 'chai';
import { fakeClockEnv } from './support/faketime.js';
import { serverCaPem, startServerWithDevice, useServerWithDevice } from './support/fixtures.js';
import { balenaRootCA, configVariant, PROXY_ONLY_NAME, runDiagnose, writeExpiredServerCertificate, type DiagnoseRun } from './support/hostile-fixtures.js';
import { freePort, NO_PROXY_ENV } from './support/network.js';
import { CLIENT_CLI, run, tempDir } from './support/processes.js';
import { startTinyproxy } from './support/proxy-daemons.js';
import { startSocks5Fixture } from 'tunnel-client/test/socks5-fixture';
import { startTlsInterceptor } from './support/tls-interceptor.js';

const ORDER = ['config', 'agent', 'dns', 'tcp', 'tls', 'validity', 'clock', 'websocket', 'auth', 'round-trip'];

/** The one check that failed, with the checks that could not run after it skipped. */
function expectFailedAt(result: DiagnoseRun, name: string, code: string): void {
  expect(result.code, JSON.stringify(result.checks, null, 2)).to.equal(1);
  const failed = result.check(name);
  expect(failed, JSON.stringify(failed)).to.include({ status: 'FAIL', code });
  expect(failed.remedy, 'a remedy').to.be.a('string').and.not.equal('');
}

function statuses(result: DiagnoseRun): Record<string, string> {
  return Object.fromEntries(result.checks.map((c) => [c.name, c.status]));
}

describe('tunnel-client diagnose (against real servers and proxies)', function () {
  this.timeout(180_000);
  const world = useServerWithDevice('diagnosed', { args: ['--hostname', PROXY_ONLY_NAME] });

  it('passes every check on a healthy setup, in the checklist order, and exits 0', async () => {
    const result = await runDiagnose(world.device.file);
    expect(result.checks.map((c) => c.name)).to.deep.equal(ORDER);
    expect(result.checks.filter((c) => c.status !== 'PASS'), JSON.stringify(result.checks, null, 2)).to.deep.equal([]);
    expect(result.code).to.equal(0);
    for (const check of result.checks) {
      expect(Object.keys(check)).to.include.members(['name', 'status', 'detail', 'durationMs']);
      expect(check.durationMs).to.be.a('number');
    }
    expect(result.check('tcp').detail).to.equal(`connected to 127.0.0.1:${world.server.port} direct`);
    expect(result.check('tls').detail).to.match(/^TLSv1\.[23] .*chain "CN=[^"]+" issued by "CN=Tunnel Development CA"; trusted through serverCA/);
    expect(result.check('auth').detail).to.contain(`device ${world.device.uuid} authenticated`);
    expect(result.check('round-trip').detail).to.match(/^yamux ping answered in [\d.]+ ms/);
  });

  it('prints one line per check with its status, and the summary, as text', async () => {
    const r = await run(CLIENT_CLI, ['diagnose', '--config', world.device.file], { env: NO_PROXY_ENV });
    const lines = r.stdout.trim().split('\n');
    expect(lines.slice(0, -1).map((l) => l.split(/\s+/).slice(0, 2).join(' '))).to.deep.equal(ORDER.map((n) => `PASS ${n}`));
    expect(lines.at(-1)).to.equal('all checks passed');
    expect(r.code).to.equal(0);
  });

  it('a clock years behind: validity fails with both dates and the NTP remedy, the clock check measures it, the rest is skipped', async () => {
    const result = await runDiagnose(world.device.file, { env: fakeClockEnv('@2017-03-23 12:00:00') });
    expectFailedAt(result, 'validity', 'ERR_TLS_CERT_NOT_YET_VALID');
    expect(result.check('validity').detail).to.match(/^server certificate is not yet valid: device clock 2017-03-23T\S+ is before notBefore \S+;/);
    expect(result.check('validity').remedy).to.contain('NTP (UDP 123)');
    expect(result.check('tls').status).to.equal('PASS');
    expect(result.check('clock')).to.include({ status: 'FAIL', code: 'ERR_CLOCK_OFFSET' });
    expect(result.check('clock').detail).to.match(/^device clock is \d+ years? .*behind the server/);
    expect(statuses(result)).to.include({ websocket: 'SKIP', auth: 'SKIP', 'round-trip': 'SKIP' });
    expect(result.check('websocket').detail).to.equal('not run: validity failed');
  });

  it('an expired server certificate: validity fails with ERR_TLS_CERT_EXPIRED while the clock agrees', async () => {
    const dataDir = tempDir('tunnel-data-');
    const { certFile, keyFile } = await writeExpiredServerCertificate(dataDir);
    const { device: staleDevice } = await startServerWithDevice(undefined, { dataDir, args: ['--cert', certFile, '--key', keyFile] });
    const result = await runDiagnose(staleDevice.file);
    expectFailedAt(result, 'validity', 'ERR_TLS_CERT_EXPIRED');
    expect(result.check('validity').detail).to.match(/^server certificate has expired: device clock \S+ is after notAfter \S+;/);
    expect(result.check('validity').remedy).to.contain('renew the server certificate');
    expect(result.check('clock').status).to.equal('PASS');
    expect(result.check('clock').detail).to.match(/^device clock agrees with the server/);
  });

  it('a TLS-intercepting network: tls names the issuer and suggests balenaRootCA; with balenaRootCA everything passes through it', async () => {
    const box = await startTlsInterceptor({ port: world.server.port, caPem: serverCaPem(world.server) });
    try {
      const intercepted = await runDiagnose(configVariant(world.device, { vpnPort: box.port }));
      expectFailedAt(intercepted, 'tls', 'ERR_TLS_UNTRUSTED_ISSUER');
      expect(intercepted.check('tls').detail).to.contain('the network presented a certificate issued by "CN=RCSI-TLS-PROTECT, O=Example DPI" which is not trusted');
      expect(intercepted.check('tls').remedy).to.contain('set balenaRootCA in config.json to its root CA');
      expect(statuses(intercepted)).to.include({ validity: 'PASS', websocket: 'SKIP', auth: 'SKIP' });

      const trusted = await runDiagnose(configVariant(world.device, { vpnPort: box.port, balenaRootCA: balenaRootCA(box.caPem) }));
      expect(trusted.code, JSON.stringify(trusted.checks, null, 2)).to.equal(0);
      expect(trusted.check('tls').detail).to.contain('trusted through balenaRootCA "CN=RCSI-TLS-PROTECT, O=Example DPI": this network inspects TLS');
      expect(trusted.check('round-trip').status).to.equal('PASS');
    } finally {
      await box.close();
    }
  });

  it('through an HTTP proxy: passes via tinyproxy with credentials, fails at tcp with wrong ones, goes direct for NO_PROXY', async () => {
    const proxy = await startTinyproxy({ credentials: { username: 'fleet', password: 's3cret' } });
    const base = `127.0.0.1:${proxy.port}`;
    const good = await runDiagnose(world.device.file, { args: ['--proxy', `http://fleet:s3cret@${base}`] });
    expect(good.code, JSON.stringify(good.checks, null, 2)).to.equal(0);
    expect(good.check('tcp').detail).to.equal(`connected to 127.0.0.1:${world.server.port} via HTTP proxy http://fleet:***@${base} (from --proxy)`);

    const wrong = await runDiagnose(world.device.file, { env: { HTTPS_PROXY: `http://fleet:nope@${base}` } });
    expectFailedAt(wrong, 'tcp', 'ERR_PROXY_AUTH_FAILED');
    expect(wrong.check('tcp').remedy).to.contain('correct the user name or password in the proxy URL');
    expect(statuses(wrong)).to.include({ tls: 'SKIP', 'round-trip': 'SKIP' });
    await proxy.stop();

    const bypassed = await runDiagnose(world.device.file, { env: { HTTPS_PROXY: `http://127.0.0.1:${await freePort()}`, NO_PROXY: '127.0.0.1' } });
    expect(bypassed.code).to.equal(0);
    expect(bypassed.check('tcp').detail).to.contain('direct (NO_PROXY entry "127.0.0.1")');
  });

  it('through a SOCKS5 proxy: a name only the proxy resolves warns at dns and passes; a wrong name fails tls; a refusal fails tcp', async () => {
    const socks = await startSocks5Fixture({ hosts: { [PROXY_ONLY_NAME]: '127.0.0.1', 'other.corp.test': '127.0.0.1' } });
    const viaSocks = { env: { ALL_PROXY: `socks5://127.0.0.1:${socks.port}` } };
    const remote = await runDiagnose(configVariant(world.device, { vpnEndpoint: PROXY_ONLY_NAME }), viaSocks);
    expect(remote.code, JSON.stringify(remote.checks, null, 2)).to.equal(0);
    expect(remote.check('dns')).to.include({ status: 'WARN' });
    expect(remote.check('dns').detail).to.contain('the proxy resolves names for the device');
    expect(remote.checks.filter((c) => c.name !== 'dns').every((c) => c.status === 'PASS')).to.equal(true);

    const mismatch = await runDiagnose(configVariant(world.device, { vpnEndpoint: 'other.corp.test' }), viaSocks);
    expectFailedAt(mismatch, 'tls', 'ERR_TLS_HOSTNAME_MISMATCH');
    expect(mismatch.check('tls').detail).to.contain('but the device connected to "other.corp.test"');
    expect(mismatch.check('tls').remedy).to.contain('set vpnEndpoint to a name the certificate covers');
    await socks.close();

    const strict = await startSocks5Fixture({ refuseWith: 0x02 });
    const forbidden = await runDiagnose(world.device.file, { args: ['--proxy', `socks5://127.0.0.1:${strict.port}`] });
    expectFailedAt(forbidden, 'tcp', 'ERR_PROXY_FORBIDDEN');
    expect(forbidden.check('tcp').detail).to.contain("connection not allowed by the proxy's rules (reply 2)");
    expect(forbidden.check('tcp').remedy).to.contain("ask the network's administrator to allow tunnels");
    await strict.close();
  });

  it('authentication: a wrong key and an unknown device fail with the server\'s code', async () => {
    const wrongKey = await runDiagnose(configVariant(world.device, { deviceApiKey: 'f'.repeat(64) }));
    expectFailedAt(wrongKey, 'auth', 'ERR_AUTH_BAD_KEY');
    expect(wrongKey.check('auth').remedy).to.contain('deviceApiKey does not match');
    expect(statuses(wrongKey)).to.include({ websocket: 'PASS', 'round-trip': 'SKIP' });

    const unknown = await runDiagnose(configVariant(world.device, { uuid: '0123456789abcdef0123456789abcdef' }));
    expectFailedAt(unknown, 'auth', 'ERR_AUTH_UNKNOWN_DEVICE');
    expect(unknown.check('auth').remedy).to.contain('tunnel-server device add');
  });

  it('nothing listening, and a broken config: the first failing check is named and everything after it is skipped', async () => {
    const closed = await freePort();
    const down = await runDiagnose(configVariant(world.device, { vpnPort: closed }));
    expectFailedAt(down, 'tcp', 'ECONNREFUSED');
    expect(down.check('tcp').remedy).to.contain('that tunnel-server runs on');
    expect(down.checks.slice(ORDER.indexOf('tcp') + 1).map((c) => c.status)).to.deep.equal(Array(6).fill('SKIP'));
    const text = await run(CLIENT_CLI, ['diagnose', '--config', configVariant(world.device, { vpnPort: closed })], { env: NO_PROXY_ENV });
    expect(text.code).to.equal(1);
    expect(text.stdout).to.match(/^FAIL {2}tcp +connection to 127\.0\.0\.1:\d+ refused: .* \[ECONNREFUSED\]; remedy: check vpnEndpoint and vpnPort/m);
    expect(text.stdout).to.match(/^SKIP {2}tls +not run: tcp failed$/m);
    expect(text.stdout.trim().split('\n').at(-1)).to.equal('1 check failed: tcp');

    const broken = await runDiagnose(configVariant(world.device, { vpnPort: 'https' }));
    expectFailedAt(broken, 'config', 'ERR_CONFIG_INVALID');
    expect(broken.check('config').detail).to.contain('vpnPort');
    expect(broken.checks.slice(1).every((c) => c.status === 'SKIP')).to.equal(true);
  });
});
