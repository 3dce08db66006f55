import { X509Certificate } from 'node:crypto';
import { watch, type FSWatcher } from 'node:fs';
import type https from 'node:https';
import path from 'node:path';
import tls from 'node:tls';
import { errorCode } from '@tunnel/protocol/errors';
import { asError, type Logger } from '@tunnel/protocol/log';
import type { CertificateHealth } from './certificate-health.js';
import { TLS_CIPHERS } from './ciphers.js';
import { loadServerTls } from './server-tls.js';

/** certbot and friends write the key, the chain and a symlink one after another: wait for the last. */
const SETTLE_MS = 1000;

export interface CertificateSource {
  dataDir: string;
  certFile?: string;
  keyFile?: string;
  hostnames: string[];
}

/**
 * Swaps the listener's certificate in place (SIGHUP, or the files changing): new handshakes get
 * the new one, established connections, device sessions included, are untouched. A bad pair
 * (unreadable, not PEM, key not matching) is logged and the current certificate kept.
 */
export class CertificateReloader {
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly server: https.Server,
    private readonly source: CertificateSource,
    private readonly log: Logger,
    private readonly health: CertificateHealth,
  ) {}

  async reload(reason: string): Promise<boolean> {
    try {
      const loaded = await loadServerTls(this.source);
      // The listener's suites too: a secure context set here replaces every TLS option it had.
      const options = { key: loaded.key, cert: loaded.cert, minVersion: 'TLSv1.2' as const, ciphers: TLS_CIPHERS };
      // Throws on a key that does not match the certificate, before anything is swapped.
      tls.createSecureContext(options);
      this.server.setSecureContext(options);
      const certificate = new X509Certificate(loaded.cert);
      this.log.info({ reason, details: { subject: certificate.subject, notAfter: new Date(certificate.validTo).toISOString() } }, 'certificate reloaded');
      this.health.adopt(loaded.cert);
      return true;
    } catch (err) {
      this.log.error({ reason, code: errorCode(err), err: asError(err) }, 'certificate reload failed; keeping the current certificate');
      return false;
    }
  }

  /** Watches the directories of --cert and --key (renewals replace files rather than rewrite them). */
  watch(): void {
    const { certFile, keyFile } = this.source;
    if (certFile === undefined || keyFile === undefined) return;
    const files = new Set([path.resolve(certFile), path.resolve(keyFile)]);
    for (const dir of new Set([...files].map((f) => path.dirname(f)))) {
      const watcher = watch(dir, () => {
        clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.reload('file change'), SETTLE_MS);
      });
      watcher.on('error', (err) => this.log.warn({ path: dir, err }, 'cannot watch the certificate directory; reload with SIGHUP'));
      watcher.unref();
      this.watchers.push(watcher);
    }
  }

  close(): void {
    clearTimeout(this.timer);
    for (const w of this.watchers.splice(0)) w.close();
  }
}
