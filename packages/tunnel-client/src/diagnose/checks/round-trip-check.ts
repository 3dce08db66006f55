import { CodedError } from '@tunnel/protocol/errors';
import { silentLogger } from '@tunnel/protocol/log';
import { OpenError, OpenResult, TunnelSession } from '@tunnel/protocol/tunnel';
import { after, given, type Check } from '../check.js';
import { outcomeOf } from '../remedies.js';
import { serverOf } from './server.js';
import { DiagnoseErrorCode } from '../diagnose-errors.js';

/** A yamux ping over the authenticated session: proof that data flows both ways end to end. */
export const roundTripCheck: Check = {
  name: 'round-trip',
  blockedBy: after('auth'),
  async run(state) {
    const auth = given(state.auth, 'the authenticated session');
    const session = new TunnelSession(auth.channel, { role: 'client', logger: silentLogger() });
    session.serve(async () => {
      throw new OpenError(OpenResult.AccessDenied, 'this is a diagnose session: it serves no streams');
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new CodedError(DiagnoseErrorCode.RoundTripTimeout, `no answer to a ping within ${state.options.timeoutMs} ms: something on the way holds back WebSocket data`)),
          state.options.timeoutMs,
        );
      });
      const rttMs = await Promise.race([session.ping(), late]);
      return { status: 'PASS', detail: `yamux ping answered in ${rttMs.toFixed(1)} ms over the authenticated session` };
    } catch (err) {
      return outcomeOf(err, serverOf(state));
    } finally {
      clearTimeout(timer);
      session.close();
    }
  },
};
