import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createDevCa, ensureDevPki } from '../../src/dev-pki.js';
import { TrustErrorCode } from '../../src/trust/index.js';
import { connectTls, DAY_MS, startTlsServer, useTempDir } from './helpers.js';

function mode(file: string): number {
  return statSync(file).mode & 0o777;
}

async function codeOf(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message: string },
  );
  if (!err) throw new Error('expected a rejection');
  return err;
}

describe('trust: ensureDevPki in a data directory', () => {
  const tmp = useTempDir();

  it('creates ca.pem, ca.key, server.pem, server.key with 0600 keys, and they serve TLS', async () => {
    const dir = path.join(tmp.dir, 'data', 'nested');
    const pki = await ensureDevPki(dir, { hostnames: ['tunnel.example.com'] });
    expect(pki.caCreated).to.equal(true);
    expect(pki.server).to.equal('created');
    expect(mode(path.join(dir, 'ca.key'))).to.equal(0o600);
    expect(mode(path.join(dir, 'server.key'))).to.equal(0o600);
    expect(mode(path.join(dir, 'ca.pem'))).to.equal(0o644);
    expect(readFileSync(path.join(dir, 'server.pem'), 'utf8')).to.equal(pki.certificatePem);
    expect(readFileSync(path.join(dir, 'ca.pem'), 'utf8')).to.equal(pki.caCertificatePem);
    expect(pki.names).to.deep.equal(['localhost', '127.0.0.1', '::1', 'tunnel.example.com']);

    const server = await startTlsServer(pki.certificatePem, pki.privateKeyPem);
    try {
      const outcome = await connectTls({ host: '127.0.0.1', port: server.port, servername: 'tunnel.example.com', ca: [pki.caCertificatePem] });
      expect(outcome.authorized).to.equal(true);
    } finally {
      await server.close();
    }
  });

  it('reuses everything on the next call', async () => {
    const first = await ensureDevPki(tmp.dir, { hostnames: ['tunnel.example.com'] });
    const second = await ensureDevPki(tmp.dir, { hostnames: ['tunnel.example.com'] });
    expect(second.caCreated).to.equal(false);
    expect(second.server).to.equal('reused');
    expect(second.serverReason).to.equal(undefined);
    expect(second.caCertificatePem).to.equal(first.caCertificatePem);
    expect(second.certificatePem).to.equal(first.certificatePem);
    expect(second.privateKeyPem).to.equal(first.privateKeyPem);
    // Names already covered (in any spelling) do not force a new certificate.
    const third = await ensureDevPki(tmp.dir, { hostnames: ['TUNNEL.example.com.', '[::1]'] });
    expect(third.server).to.equal('reused');
  });

  it('regenerates the server certificate, keeping the CA, when a hostname is missing', async () => {
    const first = await ensureDevPki(tmp.dir);
    const second = await ensureDevPki(tmp.dir, { hostnames: ['edge.example.net', '198.51.100.7'] });
    expect(second.caCreated).to.equal(false);
    expect(second.caCertificatePem).to.equal(first.caCertificatePem);
    expect(second.server).to.equal('renewed');
    expect(second.serverReason).to.equal('server.pem does not cover edge.example.net, 198.51.100.7');
    const x509 = new X509Certificate(second.certificatePem);
    expect(x509.checkHost('edge.example.net')).to.equal('edge.example.net');
    expect(x509.checkIP('198.51.100.7')).to.equal('198.51.100.7');
    expect(x509.verify(new X509Certificate(first.caCertificatePem).publicKey)).to.equal(true);
    expect(mode(path.join(tmp.dir, 'server.key'))).to.equal(0o600);
  });

  it('renews a server certificate that is about to expire', async () => {
    await ensureDevPki(tmp.dir, { serverValidityDays: 10 });
    const again = await ensureDevPki(tmp.dir);
    expect(again.server).to.equal('renewed');
    expect(again.serverReason).to.match(/^server\.pem expires /);
    const later = await ensureDevPki(tmp.dir, { now: new Date(Date.now() + 20 * DAY_MS) });
    expect(later.server).to.equal('reused');
  });

  it('replaces a damaged server certificate rather than failing', async () => {
    await ensureDevPki(tmp.dir);
    writeFileSync(path.join(tmp.dir, 'server.pem'), 'garbage');
    const again = await ensureDevPki(tmp.dir);
    expect(again.server).to.equal('renewed');
    expect(again.serverReason).to.contain('does not parse');
  });

  it('narrows a key file left world-readable', async () => {
    await ensureDevPki(tmp.dir);
    chmodSync(path.join(tmp.dir, 'ca.key'), 0o644);
    chmodSync(path.join(tmp.dir, 'server.key'), 0o640);
    await ensureDevPki(tmp.dir);
    expect(mode(path.join(tmp.dir, 'ca.key'))).to.equal(0o600);
    expect(mode(path.join(tmp.dir, 'server.key'))).to.equal(0o600);
  });

  for (const [file, corrupt] of [
    ['ca.pem', '-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n'],
    ['ca.key', 'nonsense'],
  ] as const) {
    it(`fails with ERR_TRUST_PEM_INVALID on a corrupt ${file}, naming it and saying what to do`, async () => {
      await ensureDevPki(tmp.dir);
      writeFileSync(path.join(tmp.dir, file), corrupt);
      const err = await codeOf(ensureDevPki(tmp.dir));
      expect(err.code).to.equal(TrustErrorCode.PemInvalid);
      expect(err.message).to.contain(path.join(tmp.dir, file));
      expect(err.message).to.contain('restore it from a backup, or delete');
    });
  }

  it('refuses to replace half a CA (ERR_TRUST_PKI_INCOMPLETE)', async () => {
    await ensureDevPki(tmp.dir);
    rmSync(path.join(tmp.dir, 'ca.key'));
    const err = await codeOf(ensureDevPki(tmp.dir));
    expect(err.code).to.equal(TrustErrorCode.PkiIncomplete);
    expect(err.message).to.contain('ca.pem exists but');
  });

  it('refuses a ca.key that belongs to another certificate (ERR_TRUST_KEY_MISMATCH)', async () => {
    await ensureDevPki(tmp.dir);
    const other = await createDevCa();
    writeFileSync(path.join(tmp.dir, 'ca.key'), other.privateKeyPem);
    const err = await codeOf(ensureDevPki(tmp.dir));
    expect(err.code).to.equal(TrustErrorCode.KeyMismatch);
  });

  it('fails with ERR_TRUST_FILE_UNREADABLE when a file cannot be read', async () => {
    mkdirSync(path.join(tmp.dir, 'ca.pem'));
    const err = await codeOf(ensureDevPki(tmp.dir));
    expect(err.code).to.equal(TrustErrorCode.FileUnreadable);
    expect(err.message).to.contain(`cannot read ${path.join(tmp.dir, 'ca.pem')} (EISDIR`);
  });

  it('fails with ERR_TRUST_DATA_DIR_UNWRITABLE when the directory cannot be created', async () => {
    // A path under a regular file fails even for root, unlike a chmod'ed directory.
    const blocker = path.join(tmp.dir, 'a-file');
    writeFileSync(blocker, '');
    const err = await codeOf(ensureDevPki(path.join(blocker, 'data')));
    expect(err.code).to.equal(TrustErrorCode.DataDirUnwritable);
    expect(err.message).to.contain('choose a writable data directory (--data)');
  });
});
