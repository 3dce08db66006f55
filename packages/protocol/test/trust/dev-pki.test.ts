import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { createDevCa, createServerCertificate, type CertificateAndKey } from '../../src/dev-pki.js';
import { TrustErrorCode } from '../../src/trust/index.js';
import { connectTls, DAY_MS, hasIpv6Loopback, startTlsServer, type RunningServer } from './helpers.js';

type ForgeExtension = { name: string } & Record<string, unknown>;

function extension(cert: forge.pki.Certificate, name: string): ForgeExtension {
  const ext = cert.getExtension(name) as ForgeExtension | null;
  if (!ext) throw new Error(`no ${name} extension`);
  return ext;
}

describe('trust: development PKI generation', () => {
  let ca: CertificateAndKey;
  let server: CertificateAndKey;

  before(async () => {
    ca = await createDevCa();
    server = await createServerCertificate(ca, { hostnames: ['tunnel.example.com', '192.0.2.10', 'fd00::7'] });
  });

  it('makes a CA: "CN=Tunnel Development CA", CA:true, keyCertSign, ~10 years', () => {
    const cert = forge.pki.certificateFromPem(ca.certificatePem);
    expect(cert.subject.getField('CN').value).to.equal('Tunnel Development CA');
    expect(extension(cert, 'basicConstraints')['cA']).to.equal(true);
    expect(extension(cert, 'keyUsage')['keyCertSign']).to.equal(true);
    const years = (cert.validity.notAfter.getTime() - cert.validity.notBefore.getTime()) / (365 * DAY_MS);
    expect(years).to.be.within(9.9, 10.1);
    expect(new X509Certificate(ca.certificatePem).ca).to.equal(true);
  });

  it('makes a server certificate with the loopback SANs, the extra names, EKU serverAuth, ~2 years', () => {
    const cert = forge.pki.certificateFromPem(server.certificatePem);
    const altNames = extension(cert, 'subjectAltName')['altNames'] as { type: number; value?: string; ip?: string }[];
    const dns = altNames.filter((n) => n.type === 2).map((n) => n.value);
    const ips = altNames.filter((n) => n.type === 7).map((n) => n.ip);
    expect(dns).to.have.members(['localhost', 'tunnel.example.com']);
    expect(ips).to.have.length(4);
    const x509 = new X509Certificate(server.certificatePem);
    for (const ip of ['127.0.0.1', '::1', '192.0.2.10', 'fd00::7']) expect(x509.checkIP(ip), ip).to.equal(ip);
    expect(extension(cert, 'extKeyUsage')['serverAuth']).to.equal(true);
    expect(x509.keyUsage).to.deep.equal(['1.3.6.1.5.5.7.3.1']);
    expect(extension(cert, 'basicConstraints')['cA']).to.equal(false);
    expect(x509.ca).to.equal(false);
    expect(cert.subject.getField('CN').value).to.equal('tunnel.example.com');
    const years = (cert.validity.notAfter.getTime() - cert.validity.notBefore.getTime()) / (365 * DAY_MS);
    expect(years).to.be.within(1.9, 2.1);
    expect(x509.verify(new X509Certificate(ca.certificatePem).publicKey)).to.equal(true);
  });

  it('honours notBefore and validityDays, for expired and not-yet-valid test certificates', async () => {
    const notBefore = new Date('2030-01-01T00:00:00Z');
    const cert = await createServerCertificate(ca, { notBefore, validityDays: 10 });
    const x509 = new X509Certificate(cert.certificatePem);
    expect(new Date(x509.validFrom).toISOString()).to.equal('2030-01-01T00:00:00.000Z');
    expect(new Date(x509.validTo).toISOString()).to.equal('2030-01-11T00:00:00.000Z');
  });

  it('rejects a malformed hostname with ERR_TRUST_HOSTNAME_INVALID', async () => {
    const err = await createServerCertificate(ca, { hostnames: ['not a host'] }).catch((e: unknown) => e);
    expect(err).to.have.property('code', TrustErrorCode.HostnameInvalid);
    expect((err as Error).message).to.contain('"not a host"');
  });

  describe('over real TLS on loopback', () => {
    let tlsServer: RunningServer;
    let ipv6: RunningServer | undefined;

    before(async () => {
      tlsServer = await startTlsServer(server.certificatePem, server.privateKeyPem);
      if (await hasIpv6Loopback()) ipv6 = await startTlsServer(server.certificatePem, server.privateKeyPem, '::1');
    });
    after(async () => {
      await tlsServer.close();
      await ipv6?.close();
    });

    it('verifies against the CA as localhost, 127.0.0.1 and an extra hostname', async () => {
      for (const servername of ['localhost', 'tunnel.example.com']) {
        const outcome = await connectTls({ host: '127.0.0.1', port: tlsServer.port, servername, ca: [ca.certificatePem] });
        expect(outcome.authorized, servername).to.equal(true);
      }
      const byIp = await connectTls({ host: '127.0.0.1', port: tlsServer.port, ca: [ca.certificatePem] });
      expect(byIp.authorized).to.equal(true);
    });

    it('verifies against the CA as ::1', async function () {
      if (!ipv6) this.skip();
      const outcome = await connectTls({ host: '::1', port: ipv6.port, ca: [ca.certificatePem] });
      expect(outcome.authorized).to.equal(true);
    });

    it('is refused without the CA', async () => {
      const outcome = await connectTls({ host: '127.0.0.1', port: tlsServer.port, servername: 'localhost', ca: [] });
      expect(outcome.authorized).to.equal(false);
    });
  });
});
