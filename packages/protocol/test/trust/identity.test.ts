import { expect } from 'chai';
import { createPrivateKey, hkdfSync } from 'node:crypto';
import { statSync, writeFileSync, chmodSync } from 'node:fs';
import path from 'node:path';
import {
  deriveDeviceKeyPair,
  generateServerIdentity,
  loadOrCreateServerIdentity,
  loadServerIdentity,
  publicKeyFromString,
  publicKeyToString,
  sign,
  TrustErrorCode,
  verify,
} from '../../src/trust/index.js';
import { useTempDir } from './helpers.js';

const API_KEY = 'f3c9a1e0b2d44c7e9a6b5d8c1e2f3a4b';

describe('trust: Ed25519 identities for challenge-response', () => {
  it('derives the same device key from the same deviceApiKey, and different ones otherwise', () => {
    const a = deriveDeviceKeyPair(API_KEY);
    const b = deriveDeviceKeyPair(API_KEY);
    const c = deriveDeviceKeyPair(`${API_KEY}x`);
    expect(a.publicKeyString).to.equal(b.publicKeyString);
    expect(a.publicKeyString).to.not.equal(c.publicKeyString);
    expect(a.publicKeyString).to.match(/^[A-Za-z0-9_-]{43}$/);
  });

  it('uses HKDF-SHA256(deviceApiKey, salt "tunnel device auth v1") as the Ed25519 seed', () => {
    const seed = Buffer.from(hkdfSync('sha256', API_KEY, 'tunnel device auth v1', '', 32));
    const { privateKey } = deriveDeviceKeyPair(API_KEY);
    expect(privateKey.export({ format: 'jwk' }).d).to.equal(seed.toString('base64url'));
  });

  it('round-trips public keys through their string form', () => {
    const { publicKey, publicKeyString } = deriveDeviceKeyPair(API_KEY);
    expect(publicKeyToString(publicKey)).to.equal(publicKeyString);
    expect(publicKeyToString(publicKeyFromString(publicKeyString))).to.equal(publicKeyString);
  });

  it('signs and verifies; a wrong key, altered data or a mangled signature fail', () => {
    const device = deriveDeviceKeyPair(API_KEY);
    const other = deriveDeviceKeyPair('another device');
    const challenge = Buffer.from('session 42 nonce 9f8e');
    const signature = sign(device.privateKey, challenge);
    expect(signature).to.have.length(64);
    expect(verify(device.publicKeyString, challenge, signature)).to.equal(true);
    expect(verify(device.publicKey, 'session 42 nonce 9f8e', signature)).to.equal(true);
    expect(verify(other.publicKeyString, challenge, signature)).to.equal(false);
    expect(verify(device.publicKeyString, Buffer.from('session 43 nonce 9f8e'), signature)).to.equal(false);
    const flipped = Buffer.from(signature);
    flipped[10] = (flipped[10] ?? 0) ^ 1;
    expect(verify(device.publicKeyString, challenge, flipped)).to.equal(false);
    expect(verify(device.publicKeyString, challenge, signature.subarray(0, 63))).to.equal(false);
  });

  it('rejects malformed inputs with stable codes', () => {
    expect(() => deriveDeviceKeyPair('')).to.throw().with.property('code', TrustErrorCode.DeviceApiKeyInvalid);
    for (const bad of ['', 'abc', 'A'.repeat(44), '!'.repeat(43)]) {
      expect(() => publicKeyFromString(bad), bad).to.throw().with.property('code', TrustErrorCode.PublicKeyInvalid);
    }
  });

  describe('server identity in the data directory', () => {
    const tmp = useTempDir();

    it('creates identity.key with mode 0600 once and loads the same key afterwards', async () => {
      const created = await loadOrCreateServerIdentity(tmp.dir);
      const file = path.join(tmp.dir, 'identity.key');
      expect(created.path).to.equal(file);
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      const loaded = await loadOrCreateServerIdentity(tmp.dir);
      expect(loaded.publicKeyString).to.equal(created.publicKeyString);
      // What devices pin verifies what the loaded key signs.
      expect(verify(created.publicKeyString, 'challenge', sign(loaded.privateKey, 'challenge'))).to.equal(true);
      expect(createPrivateKey(loaded.privateKey.export({ format: 'pem', type: 'pkcs8' })).asymmetricKeyType).to.equal('ed25519');
    });

    it('refuses to replace an identity unless asked, since devices pin it', async () => {
      const first = await generateServerIdentity(tmp.dir);
      const err = await generateServerIdentity(tmp.dir).catch((e: unknown) => e);
      expect(err).to.have.property('code', TrustErrorCode.IdentityExists);
      expect((await loadServerIdentity(tmp.dir))?.publicKeyString).to.equal(first.publicKeyString);
      const rotated = await generateServerIdentity(tmp.dir, { overwrite: true });
      expect(rotated.publicKeyString).to.not.equal(first.publicKeyString);
      expect(statSync(rotated.path).mode & 0o777).to.equal(0o600);
    });

    it('reports a corrupt identity.key and narrows a loose mode', async () => {
      expect(await loadServerIdentity(tmp.dir)).to.equal(undefined);
      const { path: file } = await generateServerIdentity(tmp.dir);
      chmodSync(file, 0o644);
      await loadServerIdentity(tmp.dir);
      expect(statSync(file).mode & 0o777).to.equal(0o600);
      writeFileSync(file, 'not a key');
      const err = await loadServerIdentity(tmp.dir).catch((e: unknown) => e);
      expect(err).to.have.property('code', TrustErrorCode.PemInvalid);
      expect((err as Error).message).to.contain('devices pin its public key');
    });
  });
});
