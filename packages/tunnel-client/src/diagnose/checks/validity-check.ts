import { blameCertificateDates, isoSeconds, type TrustError, TrustErrorCode } from '@tunnel/protocol/trust';
import { probeServerClock } from '../../agent/server-clock.js';
import { given, type Check, type CheckOutcome, type DiagnoseState } from '../check.js';
import { outcomeOf } from '../remedies.js';
import { serverOf } from './server.js';

const DATE_CODES: ReadonlySet<string> = new Set([TrustErrorCode.CertNotYetValid, TrustErrorCode.CertExpired]);
const DAY_MS = 24 * 60 * 60 * 1000;
/** Less than this left on the server certificate deserves a warning: renewal must happen before it lapses. */
const RENEW_WARNING_DAYS = 14;
const RENEW_REMEDY = 'the device clock is right: renew the server certificate (tunnel-server start --cert/--key, then SIGHUP)';
const REPLACE_REMEDY =
  "the device clock is right: the server's operator must install a server certificate valid now (tunnel-server start --cert/--key; it warns at start about one that is not)";

/**
 * A date failure with the server's clock asked too: when it agrees with the device's, the
 * certificate is what needs fixing, and the remedy must not send anyone to the clock.
 */
async function judgedAgainstServerClock(problem: TrustError, state: DiagnoseState): Promise<CheckOutcome> {
  const target = serverOf(state);
  const clock = await probeServerClock(target.host, target.port, { proxy: given(state.proxy, 'the proxy settings'), timeoutMs: state.options.timeoutMs }).catch(
    () => undefined,
  );
  const judged = clock ? blameCertificateDates(problem, clock) : problem;
  const outcome = outcomeOf(judged, target);
  if (judged === problem) return outcome;
  return { ...outcome, remedy: judged.code === TrustErrorCode.CertExpired ? RENEW_REMEDY : REPLACE_REMEDY };
}

/** The validity window of every certificate in the presented chain against the device's clock. */
export const validityCheck: Check = {
  name: 'validity',
  // Runs on whatever chain was read, trusted or not: an expired DPI certificate is worth knowing too.
  blockedBy: (_results, state) => (state.verification ? undefined : 'not run: no certificate chain was read (see tls)'),
  async run(state) {
    const verification = given(state.verification, 'the chain verification');
    const problem = verification.problems.find((p) => DATE_CODES.has(p.code));
    if (problem) return judgedAgainstServerClock(problem, state);
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
