import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { createDevCa, type CertificateAndKey } from '../../src/dev-pki.js';
import { createTrustAnchors, decodeBalenaRootCA, TrustErrorCode } from '../../src/trust/index.js';

function b64(text: string | Buffer): string {
  return Buffer.from(text).toString('base64');
}

function decodeError(value: string): { code?: string; message: string } {
  try {
    decodeBalenaRootCA(value);
  } catch (err) {
    return err as { code?: string; message: string };
  }
  throw new Error('expected decodeBalenaRootCA to throw');
}

describe('trust: config.json balenaRootCA', () => {
  let first: CertificateAndKey;
  let second: CertificateAndKey;

  before(async () => {
    [first, second] = await Promise.all([createDevCa({ commonName: 'Corp Inspection Root' }), createDevCa({ commonName: 'Corp Inspection Root G2' })]);
  });

  it('decodes base64 of one PEM certificate', () => {
    const pems = decodeBalenaRootCA(b64(first.certificatePem));
    expect(pems).to.have.length(1);
    expect(new X509Certificate(pems[0] as string).fingerprint256).to.equal(new X509Certificate(first.certificatePem).fingerprint256);
  });

  it('decodes a bundle of several certificates, in order, whatever the line endings (CRLF, doubled CR)', () => {
    const bundle = `${first.certificatePem}\r\n${second.certificatePem}`.replace(/\n/g, '\r\n');
    const pems = decodeBalenaRootCA(b64(bundle));
    expect(pems.map((p) => new X509Certificate(p).subject)).to.deep.equal(['CN=Corp Inspection Root', 'CN=Corp Inspection Root G2']);
  });

  it('tolerates whitespace and line breaks inside the base64 (as `base64` without -w0 prints it)', () => {
    const wrapped = b64(first.certificatePem + second.certificatePem).replace(/.{76}/g, '$&\n');
    const messy = `  ${wrapped.replace(/(.{10})/, '$1 \t')}\n\n`;
    expect(decodeBalenaRootCA(messy)).to.have.length(2);
  });

  it('feeds trust anchors directly', () => {
    const anchors = createTrustAnchors({ balenaRootCA: b64(first.certificatePem + second.certificatePem) });
    expect(anchors.pems).to.have.length(2);
  });

  it('rejects garbage with ERR_TRUST_BALENA_ROOT_CA_INVALID, naming the key', () => {
    const err = decodeError('this is not base64!');
    expect(err.code).to.equal(TrustErrorCode.BalenaRootCaInvalid);
    expect(err.message).to.match(/^config\.json key "balenaRootCA" is not valid: it is not base64; /);
    expect(err.message).to.contain('base64 -w0 root-ca.pem');
  });

  it('explains the usual mistakes', () => {
    expect(decodeError('').message).to.contain('it is empty');
    expect(decodeError(first.certificatePem).message).to.contain('it holds PEM text itself rather than base64 of it');
    expect(decodeError(b64('hello world')).message).to.contain('decodes to text without any -----BEGIN CERTIFICATE----- block');
    expect(decodeError(b64(new X509Certificate(first.certificatePem).raw)).message).to.contain('it decodes to binary DER, not PEM');
    expect(decodeError(b64(first.certificatePem + first.privateKeyPem)).message).to.contain('block 2 is a PRIVATE KEY');
    const broken = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    expect(decodeError(b64(broken)).message).to.contain('certificate 1 does not parse');
  });

  it('names another key when asked', () => {
    try {
      decodeBalenaRootCA('%%%', { key: 'serverCA' });
      expect.fail('should throw');
    } catch (err) {
      expect((err as Error).message).to.contain('config.json key "serverCA"');
    }
  });
});
