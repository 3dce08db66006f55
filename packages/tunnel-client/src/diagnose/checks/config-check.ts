import { summarizeCertificate } from '@tunnel/protocol/trust';
import { loadAgentConfig } from '../../agent/agent-config.js';
import { loadProxyConfig, proxyRoute } from '../../net/proxy-config.js';
import type { Check } from '../check.js';
import { outcomeOf } from '../remedies.js';

function subjects(pems: readonly string[]): string {
  return pems.map((pem) => `"${summarizeCertificate(pem).subject}"`).join(', ');
}

/** Parses and validates config.json (with TUNNEL_* overrides) and the proxy settings. */
export const configCheck: Check = {
  name: 'config',
  blockedBy: () => undefined,
  async run(state) {
    try {
      const configFile = state.options.configFile;
      state.config = loadAgentConfig(configFile !== undefined ? { config: configFile } : {}, state.options.env);
      state.proxy = loadProxyConfig({ proxy: state.options.proxy, env: state.options.env });
    } catch (err) {
      return outcomeOf(err);
    }
    const { config, proxy } = state;
    const trusted = [
      ...(config.serverCA.length > 0 ? [`serverCA ${subjects(config.serverCA)}`] : []),
      ...(config.balenaRootCA.length > 0 ? [`balenaRootCA ${subjects(config.balenaRootCA)}`] : []),
      'the system roots',
    ];
    const route = proxyRoute(proxy, config.vpnEndpoint, config.vpnPort).description;
    return {
      status: 'PASS',
      detail: `device ${config.uuid} for ${config.vpnEndpoint}:${config.vpnPort}, ${route}; trusts ${trusted.join(' + ')}`,
    };
  },
};
