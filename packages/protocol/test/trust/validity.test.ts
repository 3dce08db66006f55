import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import forge from 'node-forge';
import { createDevCa, createServerCertificate, type CertificateAndKey } from '../../src/dev-pki.js';
import { checkValidity, diagnoseTlsError, inspectServerChain, TrustErrorCode } from '../../src/trust/index.js';
import { connectTls, DAY_MS, startTlsServer } from './helpers.js';

describe('trust: validity window against the device clock', () => {
  let ca: CertificateAndKey;
  let nov2026: CertificateAndKey;

  before(async () => {
    ca = await createDevCa();
    nov2026 = await createServerCertificate(ca, {
      notBefore: new Date('2026-11-01T00:00:00Z'),
      notAfter: new Date('2028-11-01T00:00:00Z'),
    });
  });

  /** checkValidity at `deviceClock`, which must fall outside the window with this status, code and message. */
  function expectOutside(deviceClock: string, status: string, code: string, message: string): Extract<ReturnType<typeof checkValidity>, { valid: false }> {
    const result = checkValidity(nov2026.certificatePem, new Date(deviceClock));
    if (result.valid) throw new Error(`expected ${deviceClock} to fall outside the validity window`);
    expect(result.status).to.equal(status);
    expect(result.error.code).to.equal(code);
    expect(result.error.message).to.equal(message);
    return result;
  }

  it('says "not yet valid" with the device clock, notBefore and the NTP hint', () => {
    const result = expectOutside(
      '2017-03-23T12:00:04.512Z',
      'not-yet-valid',
      TrustErrorCode.CertNotYetValid,
      'server certificate is not yet valid: device clock 2017-03-23T12:00:04Z is before notBefore 2026-11-01T00:00:00Z; ' +
        'the device clock is probably wrong (is NTP, UDP 123, reachable?)',
    );
    expect(result.error.details).to.include({ deviceClock: '2017-03-23T12:00:04Z', notBefore: '2026-11-01T00:00:00Z' });
    expect(result.outsideByMs).to.equal(new Date('2026-11-01T00:00:00Z').getTime() - new Date('2017-03-23T12:00:04.512Z').getTime());
  });

  it('says "has expired" with the device clock, notAfter and both possible remedies', () => {
    expectOutside(
      '2031-01-02T03:04:05Z',
      'expired',
      TrustErrorCode.CertExpired,
      'server certificate has expired: device clock 2031-01-02T03:04:05Z is after notAfter 2028-11-01T00:00:00Z; ' +
        'either the device clock is wrong (is NTP, UDP 123, reachable?) or the server certificate must be renewed',
    );
  });

  it('treats both ends of the window as valid, as OpenSSL does', () => {
    expect(checkValidity(nov2026.certificatePem, new Date('2026-11-01T00:00:00Z')).valid).to.equal(true);
    expect(checkValidity(nov2026.certificatePem, new Date('2028-11-01T00:00:00Z')).valid).to.equal(true);
    expect(checkValidity(nov2026.certificatePem, new Date('2028-11-01T00:00:01Z')).valid).to.equal(false);
  });

  it('accepts a node-forge certificate, DER bytes and an X509Certificate alike', () => {
    const now = new Date('2027-06-01T00:00:00Z');
    const x509 = new X509Certificate(nov2026.certificatePem);
    for (const input of [forge.pki.certificateFromPem(nov2026.certificatePem), x509.raw, x509]) {
      const result = checkValidity(input, now);
      expect(result.valid).to.equal(true);
      expect(result.notBefore.toISOString()).to.equal('2026-11-01T00:00:00.000Z');
      expect(result.subject).to.equal('CN=localhost');
    }
  });

  describe('diagnosing a real handshake node:tls refused', () => {
    async function refusedBy(cert: CertificateAndKey): Promise<{ err: NodeJS.ErrnoException; chain: string[] }> {
      const server = await startTlsServer(cert.certificatePem, cert.privateKeyPem);
      try {
        const outcome = await connectTls({ host: '127.0.0.1', port: server.port, servername: 'localhost', ca: [ca.certificatePem] });
        if (outcome.authorized) throw new Error('expected the handshake to be refused');
        const { chain } = await inspectServerChain('127.0.0.1', server.port, { servername: 'localhost' });
        return { err: outcome.error, chain };
      } finally {
        await server.close();
      }
    }

    it('CERT_NOT_YET_VALID becomes the plain-words message with both dates', async () => {
      const notBefore = new Date(Math.ceil((Date.now() + 400 * DAY_MS) / 1000) * 1000);
      const future = await createServerCertificate(ca, { notBefore });
      const { err, chain } = await refusedBy(future);
      expect(err.code).to.equal('CERT_NOT_YET_VALID');
      const now = new Date();
      const diagnosis = diagnoseTlsError(err, { chain, anchors: [ca.certificatePem], now, hostname: 'localhost' });
      expect(diagnosis?.code).to.equal(TrustErrorCode.CertNotYetValid);
      expect(diagnosis?.message).to.contain(`device clock ${now.toISOString().slice(0, 19)}Z is before notBefore ${notBefore.toISOString().slice(0, 19)}Z`);
      expect(diagnosis?.details.tlsCode).to.equal('CERT_NOT_YET_VALID');
    });

    it('CERT_HAS_EXPIRED becomes the plain-words message with both dates', async () => {
      const expired = await createServerCertificate(ca, { notBefore: new Date(Date.now() - 800 * DAY_MS), validityDays: 365 });
      const { err, chain } = await refusedBy(expired);
      expect(err.code).to.equal('CERT_HAS_EXPIRED');
      const diagnosis = diagnoseTlsError(err, { chain, anchors: [ca.certificatePem], hostname: 'localhost' });
      expect(diagnosis?.code).to.equal(TrustErrorCode.CertExpired);
      const notAfter = new X509Certificate(expired.certificatePem).validTo;
      expect(diagnosis?.message).to.match(/^server certificate has expired: device clock \S+Z is after notAfter \S+Z; either the device clock is wrong/);
      expect(diagnosis?.details.notAfter).to.equal(new Date(notAfter).toISOString().replace('.000Z', 'Z'));
    });

    it('still names the cause without the chain', () => {
      const err = Object.assign(new Error('certificate is not yet valid'), { code: 'CERT_NOT_YET_VALID' });
      const diagnosis = diagnoseTlsError(err, { now: new Date('2017-03-23T12:00:04Z') });
      expect(diagnosis?.code).to.equal(TrustErrorCode.CertNotYetValid);
      expect(diagnosis?.message).to.contain('device clock 2017-03-23T12:00:04Z is before its notBefore');
      expect(diagnosis?.message).to.contain('is NTP, UDP 123, reachable?');
    });
  });
});
