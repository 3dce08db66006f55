import type { X509Certificate } from 'node:crypto';
import tls from 'node:tls';
import { decodeBalenaRootCA } from './balena-root-ca.js';
import { toX509List } from './certificate.js';

/**
 * The certificates a device trusts, kept both parsed (for our own chain verification) and as PEM
 * (for node:tls `ca`). Node's `ca` option replaces the system roots rather than adding to them,
 * so `pems` already holds the system roots when they were asked for.
 */
export interface TrustAnchors {
  readonly certificates: readonly X509Certificate[];
  readonly pems: readonly string[];
}

export interface TrustAnchorSources {
  /** PEM text (each may bundle several certificates): the configured server CA, for one. */
  pems?: readonly string[];
  /** config.json `balenaRootCA` as devices carry it: base64 of PEM. */
  balenaRootCA?: string;
  /** Add node's bundled Mozilla roots (`tls.rootCertificates`), for servers with public certificates. */
  systemRoots?: boolean;
}

export function createTrustAnchors(sources: TrustAnchorSources): TrustAnchors {
  const texts = [
    ...(sources.pems ?? []),
    ...(sources.balenaRootCA !== undefined ? decodeBalenaRootCA(sources.balenaRootCA) : []),
    ...(sources.systemRoots ? tls.rootCertificates : []),
  ];
  const seen = new Set<string>();
  const certificates: X509Certificate[] = [];
  const pems: string[] = [];
  for (const text of texts) {
    for (const cert of toX509List(text, 'a trust anchor')) {
      if (seen.has(cert.fingerprint256)) continue;
      seen.add(cert.fingerprint256);
      certificates.push(cert);
      pems.push(cert.toString());
    }
  }
  return { certificates, pems };
}

export function isTrustAnchors(value: unknown): value is TrustAnchors {
  return typeof value === 'object' && value !== null && 'certificates' in value && 'pems' in value;
}

/** Accepts either ready anchors or plain PEM strings, as the verification entry points do. */
export function asTrustAnchors(anchors: TrustAnchors | readonly string[]): TrustAnchors {
  return isTrustAnchors(anchors) ? anchors : createTrustAnchors({ pems: anchors as readonly string[] });
}
