import { summarizeCertificate, isoSeconds, type CertificateInput } from './certificate.js';
import { TrustError, TrustErrorCode } from './errors.js';

export type ValidityStatus = 'valid' | 'not-yet-valid' | 'expired';

interface ValidityFacts {
  now: Date;
  notBefore: Date;
  notAfter: Date;
  subject: string;
}

export type ValidityCheck =
  | (ValidityFacts & { valid: true; status: 'valid' })
  | (ValidityFacts & {
      valid: false;
      status: 'not-yet-valid' | 'expired';
      /** How far outside the window the clock is, in ms: the clock error if the clock is to blame. */
      outsideByMs: number;
      /** Code and plain-words message (with both dates and the likely cause) for logs and users. */
      error: TrustError;
    });

export interface CheckValidityOptions {
  /**
   * What the message calls the certificate. The default suits the leaf the server presented;
   * chain checks name CAs as `certificate authority "CN=…" in the server's chain`.
   */
  label?: string;
}

/** The clock advice shared by both failure messages: NTP is what sets a device clock after boot. */
const CLOCK_HINT = 'is NTP, UDP 123, reachable?';

/**
 * Checks a certificate's validity window against a clock the caller supplies (the device's own),
 * with the same bounds as OpenSSL: valid from notBefore through notAfter, both inclusive.
 */
export function checkValidity(cert: CertificateInput, now: Date, options: CheckValidityOptions = {}): ValidityCheck {
  const { subject, notBefore, notAfter } = summarizeCertificate(cert);
  const facts: ValidityFacts = { now, notBefore, notAfter, subject };
  const label = options.label ?? 'server certificate';
  const details = {
    deviceClock: isoSeconds(now),
    notBefore: isoSeconds(notBefore),
    notAfter: isoSeconds(notAfter),
    subject,
  };
  const early = now.getTime() < notBefore.getTime();
  if (!early && now.getTime() <= notAfter.getTime()) return { ...facts, valid: true, status: 'valid' };
  // A window that has not started is almost never the server's fault: certificates are issued
  // for "now", so a device that sees one from its future runs on a stale clock (no RTC, booted
  // with the OS build date, NTP blocked). Past the end, both sides are plausible: a clock far
  // ahead, or a certificate nobody renewed.
  const message = early
    ? `${label} is not yet valid: device clock ${details.deviceClock} is before notBefore ${details.notBefore}; ` +
      `the device clock is probably wrong (${CLOCK_HINT})`
    : `${label} has expired: device clock ${details.deviceClock} is after notAfter ${details.notAfter}; ` +
      `either the device clock is wrong (${CLOCK_HINT}) or the ${label} must be renewed`;
  return {
    ...facts,
    valid: false,
    status: early ? 'not-yet-valid' : 'expired',
    outsideByMs: early ? notBefore.getTime() - now.getTime() : now.getTime() - notAfter.getTime(),
    error: new TrustError(early ? TrustErrorCode.CertNotYetValid : TrustErrorCode.CertExpired, message, details),
  };
}
