import { dialThroughProxyIfAny } from '../../net/dial-through-proxy.js';
import { after, given, type Check } from '../check.js';
import { outcomeOf } from '../remedies.js';
import { serverOf } from './server.js';

/** A TCP connection to the server's port, through the proxy when one applies. */
export const tcpCheck: Check = {
  name: 'tcp',
  blockedBy: after('config', 'dns'),
  async run(state) {
    const target = serverOf(state);
    try {
      const { socket, route } = await dialThroughProxyIfAny(target.host, target.port, {
        proxyConfig: given(state.proxy, 'the proxy settings'),
        timeoutMs: state.options.timeoutMs,
      });
      socket.destroy();
      return { status: 'PASS', detail: `connected to ${target.host}:${target.port} ${route.description}` };
    } catch (err) {
      return outcomeOf(err, target);
    }
  },
};
