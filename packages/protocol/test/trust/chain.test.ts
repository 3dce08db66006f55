import { expect } from 'chai';
import net from 'node:net';
import tls from 'node:tls';
import { createDevCa, createServerCertificate, type CertificateAndKey } from '../../src/dev-pki.js';
import {
  createTrustAnchors,
  diagnoseTlsError,
  inspectServerChain,
  peerChain,
  summarizeCertificate,
  TrustErrorCode,
  verifyServerChain,
} from '../../src/trust/index.js';
import { connectTls, DAY_MS, startTlsServer, type RunningServer } from './helpers.js';

const DPI_MESSAGE =
  'the network presented a certificate issued by "CN=RCSI-TLS-PROTECT, O=Example DPI" which is not trusted; ' +
  'if this network inspects TLS, set balenaRootCA to its root CA';

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

describe('trust: chain verification and issuer naming', () => {
  let devCa: CertificateAndKey;
  let server: CertificateAndKey;
  let dpiCa: CertificateAndKey;
  let dpiLeaf: CertificateAndKey;

  before(async () => {
    [devCa, dpiCa] = await Promise.all([createDevCa(), createDevCa({ commonName: 'RCSI-TLS-PROTECT', organization: 'Example DPI' })]);
    // The interceptor re-signs a certificate for the very names the device asked for.
    [server, dpiLeaf] = await Promise.all([
      createServerCertificate(devCa, { hostnames: ['tunnel.example.com'] }),
      createServerCertificate(dpiCa, { hostnames: ['tunnel.example.com'] }),
    ]);
  });

  it('trusts the real server chain and reports the path to the anchor', () => {
    const result = verifyServerChain([server.certificatePem], { anchors: [devCa.certificatePem], hostname: 'tunnel.example.com' });
    expect(result.ok).to.equal(true);
    expect(result.problems).to.deep.equal([]);
    expect(result.path.map((c) => c.subject)).to.deep.equal(['CN=tunnel.example.com', 'CN=Tunnel Development CA']);
    expect(result.anchor?.subject).to.equal('CN=Tunnel Development CA');
  });

  describe('behind a real intercepting TLS endpoint', () => {
    let interceptor: RunningServer;
    let leafOnly: RunningServer;

    before(async () => {
      interceptor = await startTlsServer(dpiLeaf.certificatePem + dpiCa.certificatePem, dpiLeaf.privateKeyPem);
      leafOnly = await startTlsServer(dpiLeaf.certificatePem, dpiLeaf.privateKeyPem);
    });
    after(async () => {
      await interceptor.close();
      await leafOnly.close();
    });

    for (const [name, which, tlsCode] of [
      ['leaf and its root presented', () => interceptor, 'SELF_SIGNED_CERT_IN_CHAIN'],
      ['only the leaf presented', () => leafOnly, 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'],
    ] as const) {
      it(`names the interceptor's issuer (${name})`, async () => {
        const { port } = which();
        const anchors = createTrustAnchors({ pems: [devCa.certificatePem] });
        const outcome = await connectTls({ host: '127.0.0.1', port, servername: 'tunnel.example.com', ca: [...anchors.pems] });
        expect(outcome.authorized).to.equal(false);
        if (outcome.authorized) return;
        expect(outcome.error.code).to.equal(tlsCode);

        const inspection = await inspectServerChain('127.0.0.1', port, { servername: 'tunnel.example.com', ca: anchors.pems });
        expect(inspection.authorized).to.equal(false);
        expect(inspection.authorizationError).to.equal(tlsCode);
        expect(inspection.protocol).to.match(/^TLSv1\.[23]$/);
        const diagnosis = diagnoseTlsError(outcome.error, { chain: inspection.chain, anchors, hostname: 'tunnel.example.com' });
        expect(diagnosis?.code).to.equal(TrustErrorCode.UntrustedIssuer);
        expect(diagnosis?.message).to.equal(DPI_MESSAGE);
        expect(diagnosis?.details).to.include({ issuer: 'CN=RCSI-TLS-PROTECT, O=Example DPI', tlsCode });
      });
    }

    it('connects once balenaRootCA (base64) carries the interceptor\'s root', async () => {
      const anchors = createTrustAnchors({ pems: [devCa.certificatePem], balenaRootCA: base64(dpiCa.certificatePem) });
      const { chain } = await inspectServerChain('127.0.0.1', interceptor.port, { servername: 'tunnel.example.com' });
      const result = verifyServerChain(chain, { anchors, hostname: 'tunnel.example.com' });
      expect(result.ok, result.error?.message).to.equal(true);
      expect(result.anchor?.subject).to.equal('CN=RCSI-TLS-PROTECT, O=Example DPI');
      for (const port of [interceptor.port, leafOnly.port]) {
        const outcome = await connectTls({ host: '127.0.0.1', port, servername: 'tunnel.example.com', ca: [...anchors.pems] });
        expect(outcome.authorized).to.equal(true);
      }
    });

    it('reads the chain from a socket at secureConnect, before anything is sent', async () => {
      const chain = await new Promise<string[]>((resolve, reject) => {
        const socket = tls.connect({ host: '127.0.0.1', port: interceptor.port, servername: 'tunnel.example.com', rejectUnauthorized: false });
        socket.once('secureConnect', () => {
          resolve(peerChain(socket));
          socket.destroy();
        });
        socket.once('error', reject);
      });
      expect(chain).to.have.length(2);
      expect(verifyServerChain(chain, { anchors: [devCa.certificatePem] }).error?.message).to.equal(DPI_MESSAGE);
    });
  });

  it('follows intermediates in any order and names the missing one', async () => {
    const root = await createDevCa({ commonName: 'Example Root' });
    const intermediate = await createDevCa({ commonName: 'Example Issuing CA 2', issuer: root });
    const leaf = await createServerCertificate(intermediate, { hostnames: ['tunnel.example.com'] });
    const shuffled = verifyServerChain([leaf.certificatePem, root.certificatePem, intermediate.certificatePem], {
      anchors: [root.certificatePem],
    });
    expect(shuffled.ok, shuffled.error?.message).to.equal(true);
    expect(shuffled.path.map((c) => c.subject)).to.deep.equal(['CN=tunnel.example.com', 'CN=Example Issuing CA 2', 'CN=Example Root']);

    const missing = verifyServerChain([leaf.certificatePem], { anchors: [root.certificatePem] });
    expect(missing.error?.code).to.equal(TrustErrorCode.UntrustedIssuer);
    expect(missing.error?.message).to.contain('issued by "CN=Example Issuing CA 2" which is not trusted');
  });

  it('does not let a non-CA certificate act as an issuer', async () => {
    const fakeIssuer = await createServerCertificate(devCa, { commonName: 'Not A CA' });
    // Re-sign a leaf with the non-CA key by treating it as a CA: forge allows it, verifiers must not.
    const leaf = await createServerCertificate(fakeIssuer);
    const result = verifyServerChain([leaf.certificatePem, fakeIssuer.certificatePem], { anchors: [devCa.certificatePem] });
    expect(result.ok).to.equal(false);
    expect(result.error?.message).to.contain('issued by "CN=Not A CA"');
  });

  it('says so when a trusted CA has the issuer\'s name but did not sign (a regenerated CA)', async () => {
    const regenerated = await createDevCa();
    const result = verifyServerChain([server.certificatePem], { anchors: [regenerated.certificatePem] });
    expect(result.error?.code).to.equal(TrustErrorCode.UntrustedIssuer);
    expect(result.error?.message).to.contain('issued by "CN=Tunnel Development CA" which is not trusted: a trusted CA has that name but did not sign it');
  });

  it('marks a self-signed leaf as such', async () => {
    const selfSigned = await createDevCa({ commonName: 'localhost' });
    const result = verifyServerChain(selfSigned.certificatePem, { anchors: [devCa.certificatePem] });
    expect(result.error?.message).to.contain('issued by "CN=localhost" (self-signed) which is not trusted');
  });

  it('trusts a pinned certificate that is itself an anchor', () => {
    const result = verifyServerChain([server.certificatePem], { anchors: [server.certificatePem] });
    expect(result.ok).to.equal(true);
    expect(result.path).to.have.length(1);
  });

  it('checks every certificate in the path against the clock, naming the CA', async () => {
    const oldCa = await createDevCa({ commonName: 'Old CA', notBefore: new Date(Date.now() - 400 * DAY_MS), validityDays: 365 });
    const leaf = await createServerCertificate(oldCa);
    const result = verifyServerChain([leaf.certificatePem], { anchors: [oldCa.certificatePem] });
    expect(result.error?.code).to.equal(TrustErrorCode.CertExpired);
    expect(result.error?.message).to.match(/^certificate authority "CN=Old CA" in the server's chain has expired: device clock /);
  });

  it('reports every problem, untrusted issuer first', () => {
    const result = verifyServerChain([dpiLeaf.certificatePem], {
      anchors: [devCa.certificatePem],
      hostname: 'other.example.org',
      now: new Date('2017-03-23T12:00:04Z'),
    });
    expect(result.problems.map((p) => p.code)).to.deep.equal([
      TrustErrorCode.UntrustedIssuer,
      TrustErrorCode.CertNotYetValid,
      TrustErrorCode.HostnameMismatch,
    ]);
  });

  it('can add the system roots without trusting the interceptor', () => {
    const anchors = createTrustAnchors({ pems: [devCa.certificatePem], systemRoots: true });
    expect(anchors.pems.length).to.be.greaterThan(tls.rootCertificates.length - 1);
    expect(verifyServerChain([server.certificatePem], { anchors }).ok).to.equal(true);
    expect(verifyServerChain([dpiLeaf.certificatePem, dpiCa.certificatePem], { anchors }).error?.message).to.equal(DPI_MESSAGE);
  });

  it('reports a server that presents no certificate', () => {
    const result = verifyServerChain([], { anchors: [devCa.certificatePem] });
    expect(result.error?.code).to.equal(TrustErrorCode.NoPeerCertificate);
  });

  describe('hostname', () => {
    it('diagnoses node\'s ERR_TLS_CERT_ALTNAME_INVALID with both names, from the error alone', async () => {
      const plain = await createServerCertificate(devCa);
      const running = await startTlsServer(plain.certificatePem, plain.privateKeyPem);
      try {
        const outcome = await connectTls({ host: '127.0.0.1', port: running.port, servername: 'tunnel.example.com', ca: [devCa.certificatePem] });
        expect(outcome.authorized).to.equal(false);
        if (outcome.authorized) return;
        expect(outcome.error.code).to.equal('ERR_TLS_CERT_ALTNAME_INVALID');
        const diagnosis = diagnoseTlsError(outcome.error, { anchors: [devCa.certificatePem] });
        expect(diagnosis?.code).to.equal(TrustErrorCode.HostnameMismatch);
        expect(diagnosis?.message).to.equal(
          'server certificate is for "localhost, 127.0.0.1, ::1" but the device connected to "tunnel.example.com"; ' +
            'connect using one of the certificate\'s names, or reissue the server certificate to include "tunnel.example.com"',
        );
        expect(diagnosis?.details.certificateNames).to.deep.equal(['localhost', '127.0.0.1', '::1']);
      } finally {
        await running.close();
      }
    });

    it('matches IP addresses and bracketed IPv6 like node does', () => {
      const anchors = [devCa.certificatePem];
      expect(verifyServerChain(server.certificatePem, { anchors, hostname: '127.0.0.1' }).ok).to.equal(true);
      expect(verifyServerChain(server.certificatePem, { anchors, hostname: '[::1]' }).ok).to.equal(true);
      expect(verifyServerChain(server.certificatePem, { anchors, hostname: 'TUNNEL.example.com' }).ok).to.equal(true);
      const wrong = verifyServerChain(server.certificatePem, { anchors, hostname: '10.9.9.9' });
      expect(wrong.error?.code).to.equal(TrustErrorCode.HostnameMismatch);
      expect(wrong.error?.message).to.contain('but the device connected to "10.9.9.9"');
    });
  });

  describe('diagnoseTlsError', () => {
    it('leaves errors that are not about certificates alone', () => {
      const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      expect(diagnoseTlsError(refused, { chain: [dpiLeaf.certificatePem], anchors: [devCa.certificatePem] })).to.equal(undefined);
      expect(diagnoseTlsError(new Error('no code'))).to.equal(undefined);
      expect(diagnoseTlsError('a string')).to.equal(undefined);
    });

    it('says which certificate error node reported when the chain could not be read', () => {
      const err = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
      const diagnosis = diagnoseTlsError(err);
      expect(diagnosis?.code).to.equal(TrustErrorCode.UntrustedIssuer);
      expect(diagnosis?.message).to.contain('(SELF_SIGNED_CERT_IN_CHAIN; the chain could not be read to name its issuer)');
      // With the chain but no anchors, the issuer is still named from what was presented.
      expect(diagnoseTlsError(err, { chain: [dpiLeaf.certificatePem, dpiCa.certificatePem] })?.message).to.equal(DPI_MESSAGE);
      const revoked = diagnoseTlsError(Object.assign(new Error('certificate revoked'), { code: 'CERT_REVOKED' }));
      expect(revoked?.code).to.equal(TrustErrorCode.CertRejected);
    });
  });

  describe('inspectServerChain failures', () => {
    it('reports a refused connection as ERR_TLS_INSPECT_FAILED', async () => {
      const closed = net.createServer();
      await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
      const { port } = closed.address() as net.AddressInfo;
      await new Promise((resolve) => closed.close(resolve));
      const err = await inspectServerChain('127.0.0.1', port).catch((e: unknown) => e);
      expect(err).to.have.property('code', TrustErrorCode.InspectFailed);
      expect((err as Error).message).to.contain(`TLS handshake with 127.0.0.1:${port} failed`);
      expect((err as Error).message).to.contain('ECONNREFUSED');
    });

    it('gives up on a silent peer after timeoutMs with ERR_TLS_INSPECT_TIMEOUT', async () => {
      const silent = net.createServer(() => undefined);
      await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
      const { port } = silent.address() as net.AddressInfo;
      try {
        const started = Date.now();
        const err = await inspectServerChain('127.0.0.1', port, { timeoutMs: 300 }).catch((e: unknown) => e);
        expect(err).to.have.property('code', TrustErrorCode.InspectTimeout);
        expect(Date.now() - started).to.be.lessThan(3000);
      } finally {
        silent.close();
      }
    });

    it('runs over a socket the caller already connected (a proxy tunnel)', async () => {
      const running = await startTlsServer(server.certificatePem, server.privateKeyPem);
      try {
        const raw = net.connect(running.port, '127.0.0.1');
        await new Promise((resolve) => raw.once('connect', resolve));
        const inspection = await inspectServerChain('tunnel.example.com', 443, { socket: raw, ca: [devCa.certificatePem] });
        expect(inspection.authorized).to.equal(true);
        // Node appends the anchor it verified against to what the server sent.
        expect(inspection.chain.map((pem) => summarizeCertificate(pem).subject)).to.deep.equal([
          'CN=tunnel.example.com',
          'CN=Tunnel Development CA',
        ]);
      } finally {
        await running.close();
      }
    });
  });
});
