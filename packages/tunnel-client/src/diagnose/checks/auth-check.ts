import { checkTranscriptSignature, deviceSigner } from '@tunnel/protocol/auth';
import { deviceHandshake } from '../../agent/device-handshake.js';
import { VERSION } from '../../version.js';
import { after, given, type Check } from '../check.js';
import { outcomeOf } from '../remedies.js';
import { serverOf } from './server.js';

/**
 * The real device handshake: the device proves it holds deviceApiKey, the server proves it holds
 * the pinned identity key. As a probe: the server leaves a running agent's session alone.
 */
export const authCheck: Check = {
  name: 'auth',
  blockedBy: after('websocket'),
  async run(state) {
    const config = given(state.config, 'the device config');
    try {
      state.auth = await deviceHandshake(given(state.ws, 'the WebSocket'), {
        uuid: config.uuid,
        signer: deviceSigner(config.deviceApiKey),
        pinnedServerKey: config.serverIdentityKey,
        verify: checkTranscriptSignature,
        agentVersion: `${VERSION} diagnose`,
        timeoutMs: state.options.timeoutMs,
        tlsExporter: given(state.tlsExporter, 'the TLS channel binding'),
        probe: true,
      });
    } catch (err) {
      return outcomeOf(err, serverOf(state));
    }
    return {
      status: 'PASS',
      detail:
        `device ${config.uuid} authenticated and the server proved the pinned identity key (session ${state.auth.sessionId}); ` +
        (state.auth.endToEnd
          ? 'TLS is end to end'
          : 'something between us terminates TLS (an intercepting proxy), so the session runs through the secure layer'),
    };
  },
};
