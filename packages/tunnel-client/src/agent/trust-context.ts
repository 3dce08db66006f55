import tls, { rootCertificates } from 'node:tls';
import type { DeviceConfig } from './device-config.js';

/**
 * The trust anchors of the device: the system roots, the server's own CA from config.json, and
 * balenaRootCA when the network inspects TLS. Giving `ca` replaces Node's defaults, so the
 * system roots are added back explicitly.
 */
export function trustAnchors(config: DeviceConfig): string[] {
  return [...rootCertificates, ...config.serverCA, ...config.balenaRootCA];
}

/** Keyed by the CA certificates the config adds to the system roots. */
const contexts = new Map<string, tls.SecureContext>();

/**
 * The TLS context a device trusts the server with, built once: every connection with a `ca`
 * list parses all ~140 system roots again, tens of milliseconds of CPU per reconnect and per
 * heartbeat on a small device (and per session for the bench's simulated devices).
 */
export function deviceTrustContext(config: DeviceConfig): tls.SecureContext {
  const key = [...config.serverCA, '', ...config.balenaRootCA].join('\n');
  let context = contexts.get(key);
  if (context === undefined) {
    context = tls.createSecureContext({ ca: trustAnchors(config), minVersion: 'TLSv1.2' });
    contexts.set(key, context);
  }
  return context;
}
