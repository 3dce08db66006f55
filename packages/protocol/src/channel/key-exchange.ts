import { createHash, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync, type KeyObject } from 'node:crypto';
import { SecureChannelError, SecureChannelErrorCode } from './channel-errors.js';

/** One side's X25519 ephemeral key for one session; its public half travels as base64url of the raw 32 bytes. */
export interface KeyShare {
  readonly publicKey: string;
  readonly privateKey: KeyObject;
}

/** The two directions' keys, named from the side that holds them. */
export interface SessionKeys {
  send: Buffer;
  receive: Buffer;
}

export function createKeyShare(): KeyShare {
  const pair = generateKeyPairSync('x25519');
  const jwk = pair.publicKey.export({ format: 'jwk' });
  if (typeof jwk.x !== 'string') throw new SecureChannelError(SecureChannelErrorCode.BadKeyShare, 'could not export the X25519 public key');
  return { publicKey: jwk.x, privateKey: pair.privateKey };
}

/**
 * The session keys from our ephemeral key and the peer's. `transcript` must be what both long-term
 * keys signed (it holds both shares), so a box that swapped a share gets keys nobody else has.
 * Each direction has its own key, so the per-direction counter nonces never meet under one key.
 */
export function deriveSessionKeys(ours: KeyShare, peerPublicKey: string, transcript: Buffer, role: 'device' | 'server'): SessionKeys {
  let shared: Buffer;
  try {
    const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: peerPublicKey }, format: 'jwk' });
    shared = diffieHellman({ privateKey: ours.privateKey, publicKey });
  } catch (err) {
    throw new SecureChannelError(SecureChannelErrorCode.BadKeyShare, `the peer's key share is not a valid X25519 public key: ${(err as Error).message}`);
  }
  // A low-order peer point gives an all-zero secret: known to anyone, so refuse it (RFC 7748 section 6.1).
  if (shared.every((b) => b === 0)) throw new SecureChannelError(SecureChannelErrorCode.BadKeyShare, "the peer's key share is a low-order point");
  const salt = createHash('sha256').update(transcript).digest();
  const key = (label: string): Buffer => Buffer.from(hkdfSync('sha256', shared, salt, `tunnel secure channel 1 ${label}`, 32));
  const toServer = key('device to server');
  const toDevice = key('server to device');
  return role === 'device' ? { send: toServer, receive: toDevice } : { send: toDevice, receive: toServer };
}
