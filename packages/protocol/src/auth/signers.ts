import type { KeyObject } from 'node:crypto';
import { deriveDeviceKeyPair, sign, verify, type Ed25519KeyPair } from '../trust/identity.js';
import type { SignatureCheck, TranscriptSigner } from './device-auth-messages.js';

/** Handshake signer over an Ed25519 key pair; signatures travel as base64url. */
export function keyPairSigner(pair: Ed25519KeyPair): TranscriptSigner {
  const privateKey: KeyObject = pair.privateKey;
  return { publicKey: pair.publicKeyString, sign: (data) => sign(privateKey, data).toString('base64url') };
}

/** The device's signer: its key pair is derived from deviceApiKey, which never leaves the device. */
export function deviceSigner(deviceApiKey: string): TranscriptSigner {
  return keyPairSigner(deriveDeviceKeyPair(deviceApiKey));
}

/** What the server stores for a device instead of its key. */
export function devicePublicKey(deviceApiKey: string): string {
  return deriveDeviceKeyPair(deviceApiKey).publicKeyString;
}

export const checkTranscriptSignature: SignatureCheck = (publicKey, data, signature) => {
  try {
    return verify(publicKey, data, Buffer.from(signature, 'base64url'));
  } catch {
    return false;
  }
};
