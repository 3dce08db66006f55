import { createPrivateKey, createPublicKey, hkdfSync, KeyObject, sign as cryptoSign, verify as cryptoVerify, generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import { TrustError, TrustErrorCode } from './errors.js';
import { ensureDirectory, PRIVATE_FILE_MODE, readOptional, restrictToOwner, writeFileAtomic } from './files.js';

/**
 * Ed25519 primitives for the application-layer challenge-response: the device proves it holds
 * its deviceApiKey and the server proves it holds the key devices pin, without either secret
 * crossing the wire, so a TLS-intercepting box the device was told to trust learns nothing usable.
 */

/** Domain separation: the same deviceApiKey used elsewhere never yields this signing key. */
export const DEVICE_KEY_SALT = 'tunnel device auth v1';
export const SERVER_IDENTITY_FILE = 'identity.key';

/** RFC 8410 PKCS#8 wrapping of a raw 32-byte Ed25519 seed: SEQUENCE { v0, id-Ed25519, OCTET STRING { OCTET STRING seed } }. */
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export interface Ed25519KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** base64url of the raw 32-byte public key: what configs and the registry store. */
  publicKeyString: string;
}

export interface ServerIdentity extends Ed25519KeyPair {
  path: string;
}

export type SignableData = Uint8Array | string;

function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]), format: 'der', type: 'pkcs8' });
}

function keyPair(privateKey: KeyObject): Ed25519KeyPair {
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKey, publicKeyString: publicKeyToString(publicKey) };
}

/**
 * The device's signing key, derived from deviceApiKey so both the device and provisioning can
 * compute it without storing another secret: seed = HKDF-SHA256(ikm = deviceApiKey,
 * salt = "tunnel device auth v1", info = "", 32 bytes).
 */
export function deriveDeviceKeyPair(deviceApiKey: string): Ed25519KeyPair {
  if (typeof deviceApiKey !== 'string' || deviceApiKey.length === 0) {
    throw new TrustError(
      TrustErrorCode.DeviceApiKeyInvalid,
      'deviceApiKey is empty or not a string; the device config.json must carry the key issued when the device was added',
    );
  }
  const seed = Buffer.from(hkdfSync('sha256', Buffer.from(deviceApiKey, 'utf8'), Buffer.from(DEVICE_KEY_SALT, 'utf8'), Buffer.alloc(0), 32));
  return keyPair(privateKeyFromSeed(seed));
}

/** base64url of the raw 32-byte Ed25519 public key (the JWK `x` member is exactly that). */
export function publicKeyToString(publicKey: KeyObject): string {
  const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new TrustError(TrustErrorCode.PublicKeyInvalid, `expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  }
  const { x } = key.export({ format: 'jwk' });
  return x as string;
}

export function publicKeyFromString(value: string): KeyObject {
  const raw = typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value) ? Buffer.from(value, 'base64url') : undefined;
  if (!raw || raw.length !== 32) {
    throw new TrustError(
      TrustErrorCode.PublicKeyInvalid,
      `"${String(value).slice(0, 60)}" is not an Ed25519 public key: expected 43 base64url characters (a raw 32-byte key), as printed by the server`,
    );
  }
  try {
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: value }, format: 'jwk' });
  } catch (err) {
    throw new TrustError(TrustErrorCode.PublicKeyInvalid, `"${value}" is not a usable Ed25519 public key (${(err as Error).message})`, {}, { cause: err });
  }
}

function toBuffer(data: SignableData): Buffer {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** A 64-byte Ed25519 signature over `data` (strings are signed as UTF-8). */
export function sign(privateKey: KeyObject, data: SignableData): Buffer {
  return cryptoSign(null, toBuffer(data), privateKey);
}

/**
 * True only for a valid signature by that key over exactly `data`. A malformed signature is a
 * false, not an exception: signatures come off the wire and must not crash the verifier.
 */
export function verify(publicKey: string | KeyObject, data: SignableData, signature: Uint8Array): boolean {
  const key = typeof publicKey === 'string' ? publicKeyFromString(publicKey) : publicKey;
  if (signature.byteLength !== 64) return false;
  try {
    return cryptoVerify(null, toBuffer(data), key, toBuffer(signature));
  } catch {
    return false;
  }
}

function identityPath(dir: string): string {
  return path.join(path.resolve(dir), SERVER_IDENTITY_FILE);
}

function parseIdentity(pem: string, file: string): ServerIdentity {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch (err) {
    throw new TrustError(
      TrustErrorCode.PemInvalid,
      `${file} is not a PEM private key (${(err as Error).message}); restore it from a backup (devices pin its public key), or delete it and re-provision every device`,
      { path: file },
      { cause: err },
    );
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new TrustError(TrustErrorCode.PemInvalid, `${file} holds a ${privateKey.asymmetricKeyType} key, not Ed25519; restore the server's identity key from a backup`, { path: file });
  }
  return { ...keyPair(privateKey), path: file };
}

/**
 * Creates the server's identity key in `dir`. Refuses to replace an existing one unless told to,
 * because every provisioned device pins its public key and would stop trusting the server.
 */
export async function generateServerIdentity(dir: string, options: { overwrite?: boolean } = {}): Promise<ServerIdentity> {
  await ensureDirectory(path.resolve(dir));
  const file = identityPath(dir);
  const { privateKey } = generateKeyPairSync('ed25519');
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  try {
    await writeFileAtomic(file, pem, PRIVATE_FILE_MODE, !options.overwrite);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new TrustError(
        TrustErrorCode.IdentityExists,
        `${file} already exists; devices pin its public key, so replacing it cuts them off (pass overwrite to rotate it deliberately)`,
        { path: file },
      );
    }
    throw err;
  }
  return { ...keyPair(privateKey), path: file };
}

/** The server identity stored in `dir`, or undefined when there is none yet. */
export async function loadServerIdentity(dir: string): Promise<ServerIdentity | undefined> {
  const file = identityPath(dir);
  const pem = await readOptional(file);
  if (pem === undefined) return undefined;
  await restrictToOwner(file);
  return parseIdentity(pem, file);
}

export async function loadOrCreateServerIdentity(dir: string): Promise<ServerIdentity> {
  const existing = await loadServerIdentity(dir);
  if (existing) return existing;
  try {
    return await generateServerIdentity(dir);
  } catch (err) {
    // Another process created it between our read and our write: use theirs.
    if (err instanceof TrustError && err.code === TrustErrorCode.IdentityExists) {
      return (await loadServerIdentity(dir)) as ServerIdentity;
    }
    throw err;
  }
}
