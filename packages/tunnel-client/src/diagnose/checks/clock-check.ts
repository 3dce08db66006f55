import { describeClockOffset, isoSeconds, type ClockOffsetEstimate } from '@tunnel/protocol/trust';
import { probeServerClock } from '../../agent/server-clock.js';
import { given, type Check } from '../check.js';
import { outcomeOf } from '../remedies.js';
import { serverOf } from './server.js';
import { DiagnoseErrorCode } from '../diagnose-errors.js';

/** Within a minute is what NTP keeps any device to; beyond an hour certificates and logs go wrong. */
const GOOD_MS = 60_000;
const BAD_MS = 60 * 60_000;
const CLOCK_REMEDY = 'set the device clock: NTP (UDP 123) must be reachable and chronyd running (chronyc sources, chronyc tracking)';

/** The device clock against the server's, from the HTTP Date of an answer on the same route. */
export const clockCheck: Check = {
  name: 'clock',
  // The probe accepts any certificate, so it still runs when the dates are what failed.
  blockedBy: (_results, state) => (state.inspection ? undefined : 'not run: no TLS handshake with the server (see tls)'),
  async run(state) {
    const target = serverOf(state);
    let estimate: ClockOffsetEstimate | undefined;
    try {
      estimate = await probeServerClock(target.host, target.port, { proxy: given(state.proxy, 'the proxy settings'), timeoutMs: state.options.timeoutMs });
    } catch (err) {
      return outcomeOf(err, target, 'WARN');
    }
    if (!estimate) return { status: 'WARN', detail: 'the server sent no usable Date header: the clock offset is unknown' };
    const detail = `${describeClockOffset(estimate)}: server time ${isoSeconds(estimate.serverTime)}, device clock ${isoSeconds(new Date())}`;
    const off = Math.max(0, Math.abs(estimate.offsetMs) - estimate.uncertaintyMs);
    if (off <= GOOD_MS) return { status: 'PASS', detail };
    if (off <= BAD_MS) return { status: 'WARN', code: DiagnoseErrorCode.ClockOffset, detail, remedy: CLOCK_REMEDY };
    return { status: 'FAIL', code: DiagnoseErrorCode.ClockOffset, detail, remedy: CLOCK_REMEDY };
  },
};
