import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import tls from 'node:tls';
import { createServerCertificate, ensureDevPki } from '@tunnel/protocol/dev-pki';
import { addDevice, FAST_AGENT_ARGS, startAgent, startServer } from './support/fixtures.js';
import { cleanup, tempDir } from './support/processes.js';

/** The serial number of the certificate a fresh TLS handshake with the server gets. */
function presentedSerial(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false }, () => {
      resolve(socket.getPeerX509Certificate()!.serialNumber);
      socket.destroy();
    });
    socket.once('error', reject);
  });
}

describe('certificate reload without a restart', function () {
  this.timeout(120_000);
  after(cleanup);

  it('SIGHUP and a changed file swap the certificate; the device session stays up; a bad pair is refused', async () => {
    const dataDir = tempDir('tunnel-data-');
    const pki = await ensureDevPki(dataDir);
    const ca = { certificatePem: pki.caCertificatePem, privateKeyPem: readFileSync(pki.paths.caKey, 'utf8') };
    const certDir = tempDir('tunnel-certs-');
    const certFile = path.join(certDir, 'fullchain.pem');
    const keyFile = path.join(certDir, 'privkey.pem');
    const install = async (): Promise<string> => {
      const issued = await createServerCertificate(ca);
      writeFileSync(keyFile, issued.privateKeyPem, { mode: 0o600 });
      writeFileSync(certFile, issued.certificatePem);
      return new X509Certificate(issued.certificatePem).serialNumber;
    };
    const first = await install();
    const server = await startServer({ dataDir, args: ['--cert', certFile, '--key', keyFile] });
    expect(await presentedSerial(server.port)).to.equal(first);

    const device = await addDevice(dataDir, server.port);
    const agent = startAgent(device.file, FAST_AGENT_ARGS);
    const connected = await agent.waitForLog((l) => l.msg === 'connected');

    // SIGHUP (what certbot's deploy hook sends).
    let from = server.proc.logs.length;
    const second = await install();
    server.proc.child.kill('SIGHUP');
    await server.proc.waitForLog((l) => l.msg === 'certificate reloaded' && l['reason'] === 'SIGHUP', 20_000, from);
    expect(await presentedSerial(server.port)).to.equal(second);
    // The watcher saw those writes too; let its reload pass before the next step.
    await server.proc.waitForLog((l) => l.msg === 'certificate reloaded' && l['reason'] === 'file change', 20_000, from);

    // The files changing is enough on its own.
    from = server.proc.logs.length;
    const third = await install();
    await server.proc.waitForLog((l) => l.msg === 'certificate reloaded' && l['reason'] === 'file change', 20_000, from);
    expect(await presentedSerial(server.port)).to.equal(third);

    // A key that does not match its certificate is refused and the current pair kept.
    from = server.proc.logs.length;
    writeFileSync(keyFile, (await createServerCertificate(ca)).privateKeyPem, { mode: 0o600 });
    server.proc.child.kill('SIGHUP');
    await server.proc.waitForLog((l) => l.msg === 'certificate reload failed; keeping the current certificate' && l['reason'] === 'SIGHUP', 20_000, from);
    expect(await presentedSerial(server.port)).to.equal(third);
    expect(server.proc.alive).to.equal(true);

    // Through all of it, the device's one session never dropped.
    expect(agent.logs.filter((l) => l.msg === 'connected')).to.have.length(1);
    expect(agent.logs.some((l) => l.msg === 'disconnected')).to.equal(false);
    expect(server.proc.logs.some((l) => l.msg === 'device disconnected')).to.equal(false);
    expect(connected['sessionId']).to.be.a('string');
  });
});
