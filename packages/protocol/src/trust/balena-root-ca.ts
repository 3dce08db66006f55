import { X509Certificate } from 'node:crypto';
import { pemBlocks } from './certificate.js';
import { TrustError, TrustErrorCode } from './errors.js';

export interface DecodeBalenaRootCAOptions {
  /** How the value is named in errors; the config.json key by default. */
  key?: string;
}

const HOW_TO = 'it must be the network\'s root CA certificate in PEM, base64-encoded (e.g. `base64 -w0 root-ca.pem`)';

function invalid(key: string, why: string): TrustError {
  return new TrustError(TrustErrorCode.BalenaRootCaInvalid, `config.json key "${key}" is not valid: ${why}; ${HOW_TO}`);
}

/**
 * Decodes config.json `balenaRootCA` exactly as balena devices carry it: base64 of a PEM file
 * that may bundle several certificates. Whitespace inside the base64 is tolerated, because
 * people paste it from `base64` without -w0 or wrap it in editors.
 * @returns one PEM string per certificate, in file order.
 */
export function decodeBalenaRootCA(value: string, options: DecodeBalenaRootCAOptions = {}): string[] {
  const key = options.key ?? 'balenaRootCA';
  if (typeof value !== 'string') throw invalid(key, `expected a string, got ${value === null ? 'null' : typeof value}`);
  if (value.includes('-----BEGIN')) {
    throw invalid(key, 'it holds PEM text itself rather than base64 of it');
  }
  const compact = value.replace(/\s+/g, '');
  if (compact.length === 0) throw invalid(key, 'it is empty');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact) || compact.length % 4 === 1) {
    throw invalid(key, 'it is not base64');
  }
  const decoded = Buffer.from(compact, 'base64');
  const text = decoded.toString('utf8');
  const blocks = pemBlocks(text);
  if (blocks.length === 0) {
    // A DER file base64-encoded is the usual slip: it starts with an ASN.1 SEQUENCE tag.
    const looksDer = decoded[0] === 0x30;
    throw invalid(
      key,
      looksDer
        ? 'it decodes to binary DER, not PEM (convert first: `openssl x509 -inform der -in ca.der`)'
        : 'it decodes to text without any -----BEGIN CERTIFICATE----- block',
    );
  }
  const pems: string[] = [];
  for (const [index, block] of blocks.entries()) {
    if (block.label !== 'CERTIFICATE') {
      // A private key here would be a leak as well as a mistake; say so rather than skip it.
      throw invalid(key, `block ${index + 1} is a ${block.label}, and only CERTIFICATE blocks belong here`);
    }
    try {
      pems.push(new X509Certificate(block.pem).toString());
    } catch (err) {
      throw invalid(key, `certificate ${index + 1} does not parse (${(err as Error).message})`);
    }
  }
  return pems;
}
