import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { CodedError, errorCode } from '@tunnel/protocol/errors';
import { proxyRoute } from '../../net/proxy-config.js';
import { after, given, type Check } from '../check.js';
import { outcomeOf } from '../remedies.js';
import { serverOf } from './server.js';

/** getaddrinfo has no timeout of its own; a dead resolver must not hang the report. */
function lookupWithin(host: string, timeoutMs: number): Promise<string[]> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CodedError('EAI_AGAIN', `no DNS answer for ${host} within ${timeoutMs} ms`)), timeoutMs);
  });
  const answer = lookup(host, { all: true }).then((addresses) => addresses.map((a) => a.address));
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

/** Resolves vpnEndpoint as the device would; behind a proxy the proxy resolves it, so a miss only warns. */
export const dnsCheck: Check = {
  name: 'dns',
  blockedBy: after('config'),
  async run(state) {
    const target = serverOf(state);
    if (net.isIP(target.host) !== 0) return { status: 'PASS', detail: `${target.host} is an IP address: nothing to resolve` };
    try {
      const addresses = await lookupWithin(target.host, state.options.timeoutMs);
      return { status: 'PASS', detail: `${target.host} resolves to ${addresses.join(', ')}` };
    } catch (cause) {
      const code = errorCode(cause) ?? 'EAI_FAIL';
      const err = new CodedError(code, `cannot resolve ${target.host} (${code}): the name does not exist, or the device's DNS servers do not answer`);
      const route = proxyRoute(given(state.proxy, 'the proxy settings'), target.host, target.port);
      if (!route.proxy) return outcomeOf(err, target);
      const outcome = outcomeOf(err, target, 'WARN');
      return { ...outcome, detail: `${outcome.detail}; the proxy resolves names for the device, so this matters only without it` };
    }
  },
};
