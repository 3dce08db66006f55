import { X509Certificate, createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import type { ServerHandle } from './fixtures.js';

/** Chromium trusts exactly this server key (the dev certificate's), instead of ignoring TLS errors. */
function spkiPin(server: ServerHandle): string {
  const cert = new X509Certificate(readFileSync(path.join(server.dataDir, 'server.pem')));
  return createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');
}

/** Debian's Chromium (CHROMIUM_PATH to use another), headless, trusting only this server's key. */
export function launchChromium(server: ServerHandle): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--ignore-certificate-errors-spki-list=${spkiPin(server)}`,
    ],
  });
}

/** Screenshots are kept for people to look at after a run: test/artifacts/ (git-ignored). */
export function artifactPath(name: string): string {
  const dir = process.env['TEST_ARTIFACTS'] ?? fileURLToPath(new URL('../../artifacts/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return path.join(dir, name);
}
