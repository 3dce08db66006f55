import { isoSeconds, TrustErrorCode } from '@tunnel/protocol/trust';
import { given, type Check } from '../check.js';
import { outcomeOf } from '../remedies.js';
import { serverOf } from './server.js';

const DATE_CODES: ReadonlySet<string> = new Set([TrustErrorCode.CertNotYetValid, TrustErrorCode.CertExpired]);
const DAY_MS = 24 * 60 * 60 * 1000;
/** Less than this left on the server certificate deserves a warning: renewal must happen before it lapses. */
const RENEW_WARNING_DAYS = 14;

/** The validity window of every certificate in the presented chain against the device's clock. */
export const validityCheck: Check = {
  name: 'validity',
  // Runs on whatever chain was read, trusted or not: an expired DPI certificate is worth knowing too.
  blockedBy: (_results, state) => (state.verification ? undefined : 'not run: no certificate chain was read (see tls)'),
  async run(state) {
    const verification = given(state.verification, 'the chain verification');
    const problem = verification.problems.find((p) => DATE_CODES.has(p.code));
    if (problem) return outcomeOf(problem, serverOf(state));
    const leaf = given(verification.leaf, 'the server certificate');
    const now = new Date();
    const window = `server certificate valid from ${isoSeconds(leaf.notBefore)} to ${isoSeconds(leaf.notAfter)}; device clock ${isoSeconds(now)} is inside`;
    const daysLeft = Math.floor((leaf.notAfter.getTime() - now.getTime()) / DAY_MS);
    if (daysLeft < RENEW_WARNING_DAYS) {
      return { status: 'WARN', detail: `${window}, but it expires in ${daysLeft} days`, remedy: 'renew the server certificate before it expires' };
    }
    return { status: 'PASS', detail: window };
  },
};
