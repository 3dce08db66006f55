import path from 'node:path';
import { expect } from 'chai';
import { DEV_PKI_FILES } from '@tunnel/protocol/dev-pki';
import { addDevice, FAST_AGENT_ARGS, startAgent, startServer } from './support/fixtures.js';
import { runDiagnose, serverCertificateDates, writeExpiredServerCertificate, writeFutureServerCertificate } from './support/hostile-fixtures.js';
import { NO_PROXY_ENV } from './support/network.js';
import { cleanup, CLIENT_CLI, logErr, run, tempDir } from './support/processes.js';
import { runProgram } from './support/programs.js';

describe('certificate dates: the server says when its certificate is out of date, devices blame the clock only when it disagrees', function () {
  this.timeout(180_000);
  after(cleanup);

  it('a certificate that starts in the future: the server warns at start and logs the devices refusing it; the agent, its clock right, blames the certificate', async () => {
    const dataDir = tempDir('tunnel-data-');
    const { certFile, keyFile } = await writeFutureServerCertificate(dataDir);
    const dates = serverCertificateDates(certFile);
    const server = await startServer({ dataDir, args: ['--cert', certFile, '--key', keyFile] });
    const warning = await server.proc.waitForLog((l) => l.code === 'ERR_TLS_SERVER_CERT_NOT_YET_VALID');
    expect(warning.level).to.equal('warn');
    expect(warning.msg).to.contain(`is not valid before ${dates.notBefore}`).and.contain('devices will refuse every connection');

    const device = await addDevice(server.dataDir, server.port, { name: 'right-clock' });
    const agent = startAgent(device.file, FAST_AGENT_ARGS, { env: NO_PROXY_ENV });
    const failed = await agent.waitForLog((l) => l.msg === 'connection failed' && l.code === 'ERR_TLS_CERT_NOT_YET_VALID');
    expect(logErr(failed).message).to.match(
      new RegExp(
        `^server certificate is not yet valid: device clock \\S+ is before notBefore ${dates.notBefore}; device clock agrees with the server \\(within ±[^)]+\\), ` +
          "so the clock is not the cause: the server's certificate is at fault",
      ),
    );
    expect(logErr(failed).message).not.to.contain('probably wrong');
    expect(failed['details']).to.have.property('serverClock');

    // The heartbeat, apart from the tunnel, says the same in the same words, not node's raw error.
    const heartbeat = await agent.waitForLog((l) => l.msg?.startsWith('heartbeat failed') === true);
    expect(heartbeat['code']).to.equal('ERR_TLS_CERT_NOT_YET_VALID');
    expect(logErr(heartbeat).message).to.match(new RegExp(`^server certificate is not yet valid: device clock \\S+ is before notBefore ${dates.notBefore}; .*so the clock is not the cause`));
    const once = await run(CLIENT_CLI, ['heartbeat', '--config', device.file], { env: NO_PROXY_ENV });
    expect(once.code).to.equal(1);
    expect(once.stderr).to.contain('server certificate is not yet valid').and.contain('ERR_TLS_CERT_NOT_YET_VALID');

    const refused = await server.proc.waitForLog((l) => l.code === 'ERR_TLS_REJECTED_BY_CLIENT');
    expect(refused.level).to.equal('warn');
    expect(refused['reason']).to.equal('hang-up');
    expect(refused.msg).to.contain('a client refused the server certificate by hanging up during the handshake: the server certificate');
    await agent.kill();

    // diagnose: its clock check passes, so its validity check must not send anyone to the clock.
    const result = await runDiagnose(device.file);
    expect(result.check('validity')).to.include({ status: 'FAIL', code: 'ERR_TLS_CERT_NOT_YET_VALID' });
    expect(result.check('validity').detail).to.contain('so the clock is not the cause');
    expect(result.check('validity').remedy).to.contain("the server's operator must install a server certificate valid now").and.not.contain('NTP');
    expect(result.check('clock').status).to.equal('PASS');
  });

  it('an expired certificate: warned at start and again when reloaded; an OpenSSL client\'s alert is logged with its name', async () => {
    const dataDir = tempDir('tunnel-data-');
    const expired = await writeExpiredServerCertificate(dataDir);
    const server = await startServer({ dataDir, args: ['--cert', expired.certFile, '--key', expired.keyFile] });
    const warning = await server.proc.waitForLog((l) => l.code === 'ERR_TLS_SERVER_CERT_EXPIRED');
    expect(warning.msg).to.contain(`expired at ${serverCertificateDates(expired.certFile).notAfter}`);

    const curl = await runProgram('curl', ['-sS', '--cacert', path.join(dataDir, DEV_PKI_FILES.caCert), `https://localhost:${server.port}/healthz`]);
    expect(curl.code).to.not.equal(0);

    const refused = await server.proc.waitForLog((l) => l.code === 'ERR_TLS_REJECTED_BY_CLIENT');
    expect(refused['reason']).to.equal('certificate_expired');
    expect(refused.msg).to.contain('with TLS alert certificate_expired: the server certificate');

    // A reload (certbot's deploy hook sends SIGHUP) that still finds the expired pair warns again.
    const from = server.proc.logs.length;
    server.proc.child.kill('SIGHUP');
    await server.proc.waitForLog((l) => l.msg === 'certificate reloaded', 20_000, from);
    await server.proc.waitForLog((l) => l.code === 'ERR_TLS_SERVER_CERT_EXPIRED', 20_000, from);
  });
});
