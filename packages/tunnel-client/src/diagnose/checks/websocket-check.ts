import { tlsExporter } from '@tunnel/protocol/channel';
import { dialDevice, deviceConnectUrl } from '../../agent/connect.js';
import { explainConnectFailure } from '../../agent/connect-failure.js';
import { remedyFor } from '../remedies.js';
import { after, given, type Check } from '../check.js';
import { serverOf } from './server.js';

/** The device's own WebSocket upgrade, exactly as the agent makes it (anchors, proxy, timeouts). */
export const websocketCheck: Check = {
  name: 'websocket',
  blockedBy: after('tls', 'validity'),
  async run(state) {
    const config = given(state.config, 'the device config');
    const proxy = given(state.proxy, 'the proxy settings');
    const timeoutMs = state.options.timeoutMs;
    try {
      const dialed = await dialDevice(config, { timeoutMs, proxy });
      state.ws = dialed.ws;
      state.tlsExporter = tlsExporter(dialed.tlsSocket);
      return { status: 'PASS', detail: `upgraded to a WebSocket at ${deviceConnectUrl(config)}` };
    } catch (err) {
      const failure = await explainConnectFailure(err, { config, proxy, timeoutMs });
      const remedy = remedyFor(failure.code, serverOf(state));
      return { status: 'FAIL', code: failure.code, detail: failure.message, ...(remedy !== undefined ? { remedy } : {}) };
    }
  },
};
