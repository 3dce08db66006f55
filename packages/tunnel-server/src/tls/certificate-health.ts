import { X509Certificate } from 'node:crypto';
import { isoSeconds } from '@tunnel/protocol/trust';
import type { Logger } from '@tunnel/protocol/log';
import { ServerTlsErrorCode } from './tls-errors.js';

/** One warning a minute at most: every device retries, and a fleet would flood the log. */
const REJECTION_LOG_INTERVAL_MS = 60_000;

/** TLS alerts (as OpenSSL names them in err.code) by which a client says it refuses our certificate. */
const CERTIFICATE_ALERT = /ALERT_(CERTIFICATE_EXPIRED|BAD_CERTIFICATE|CERTIFICATE_UNKNOWN|UNKNOWN_CA|CERTIFICATE_REVOKED|UNSUPPORTED_CERTIFICATE)$/;

interface Dates {
  subject: string;
  notBefore: Date;
  notAfter: Date;
}

/**
 * Says when the listener's certificate is outside its dates (at start and after each reload), and
 * when clients refuse it. Node clients (our agents) send no alert when they reject a certificate:
 * they hang up during the handshake, which only means "rejected" while the certificate is out of
 * date, so those count only then.
 */
export class CertificateHealth {
  private dates: Dates | undefined;
  private lastRejectionLog = -Infinity;
  private unlogged = 0;

  constructor(private readonly log: Logger) {}

  /** The certificate the listener now presents; warns when it is not valid at this moment. */
  adopt(certPem: string, now = new Date()): void {
    const cert = new X509Certificate(certPem);
    const dates = { subject: cert.subject.replace(/\n/g, ', '), notBefore: new Date(cert.validFrom), notAfter: new Date(cert.validTo) };
    this.dates = dates;
    const problem = this.problem(now);
    if (!problem) return;
    const details = { subject: dates.subject, notBefore: isoSeconds(dates.notBefore), notAfter: isoSeconds(dates.notAfter), serverClock: isoSeconds(now) };
    this.log.warn({ code: problem.code, details }, `${problem.words}; devices will refuse every connection until a certificate valid now is installed (--cert/--key, then SIGHUP)`);
  }

  /** The listener's tlsClientError: logs a client's refusal of the certificate, at most once a minute. */
  handshakeFailed(err: Error & { code?: string }, remoteAddress: string | undefined, now = new Date()): void {
    const alert = err.code !== undefined ? CERTIFICATE_ALERT.exec(err.code)?.[1] : undefined;
    const problem = this.problem(now);
    const hungUp = err.code === 'ECONNRESET' && problem !== undefined;
    if (alert === undefined && !hungUp) {
      this.log.debug({ err, code: err.code }, 'TLS handshake failed');
      return;
    }
    this.unlogged += 1;
    if (now.getTime() - this.lastRejectionLog < REJECTION_LOG_INTERVAL_MS) return;
    const how = alert !== undefined ? `with TLS alert ${alert.toLowerCase()}` : 'by hanging up during the handshake';
    const why = problem ? `: ${problem.words}` : '';
    this.log.warn(
      { code: ServerTlsErrorCode.RejectedByClient, remoteAddress, entries: this.unlogged, reason: alert?.toLowerCase() ?? 'hang-up' },
      `a client refused the server certificate ${how}${why} (${this.unlogged} refusal${this.unlogged === 1 ? '' : 's'} since the last such line)`,
    );
    this.lastRejectionLog = now.getTime();
    this.unlogged = 0;
  }

  private problem(now: Date): { code: string; words: string } | undefined {
    const dates = this.dates;
    if (!dates) return undefined;
    if (now < dates.notBefore) {
      return {
        code: ServerTlsErrorCode.CertificateNotYetValid,
        words: `the server certificate (${dates.subject}) is not valid before ${isoSeconds(dates.notBefore)}, and this server's clock says ${isoSeconds(now)}`,
      };
    }
    if (now > dates.notAfter) {
      return {
        code: ServerTlsErrorCode.CertificateExpired,
        words: `the server certificate (${dates.subject}) expired at ${isoSeconds(dates.notAfter)}, and this server's clock says ${isoSeconds(now)}`,
      };
    }
    return undefined;
  }
}
