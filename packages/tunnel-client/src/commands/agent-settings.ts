import { collect, durationSetting, settingOptions, type OptionSetting } from '@tunnel/protocol/cli';
import type { Option } from 'commander';
import { DEFAULT_CONFIG_FILE } from '../agent/agent-config.js';
import { agentKeys } from '../agent/device-config.js';
import { BALENA_SYSTEM_PROXY_DIR, SYSTEM_PROXY_DIR_VARIABLE } from '../net/balena-proxy-files.js';
import { PROXY_OPTION_HELP } from '../net/proxy-config.js';

/**
 * `tunnel-client agent`'s settings: config.json keys, their TUNNEL_* variables (agentKeys) and the
 * flags are one table; --help and the docs table (docs/configuration.md) come from it.
 */
export type AgentSetting = OptionSetting;

const duration = durationSetting;

/** The device's config.json: every program that acts as the device reads it. */
export const CONFIG_FILE_SETTING: OptionSetting = {
  flag: '--config <file>',
  env: 'TUNNEL_CONFIG',
  default: DEFAULT_CONFIG_FILE,
  help: `device config.json (default $TUNNEL_CONFIG or ${DEFAULT_CONFIG_FILE})`,
};

/** The proxy every connection to the server leaves through. */
export const PROXY_SETTING: OptionSetting = { flag: '--proxy <url>', env: 'HTTPS_PROXY, ALL_PROXY, NO_PROXY', default: 'direct', help: PROXY_OPTION_HELP };

export const AGENT_SETTINGS: readonly AgentSetting[] = [
  CONFIG_FILE_SETTING,
  { key: 'uuid', env: agentKeys.uuid, flag: '--uuid <uuid>', default: 'required', help: 'override the device uuid' },
  { key: 'deviceApiKey', env: agentKeys.deviceApiKey, default: 'required', help: 'the device key; the server keeps only a public key derived from it' },
  { key: 'vpnEndpoint', env: agentKeys.vpnEndpoint, flag: '--vpn-endpoint <host>', default: 'required (or vpnEndpoints)', help: 'override the server host (vpnEndpoint)' },
  { key: 'vpnPort', env: agentKeys.vpnPort, flag: '--vpn-port <port>', default: '443', help: 'override the server port (vpnPort, 443 when absent)' },
  {
    key: 'vpnEndpoints',
    env: agentKeys.vpnEndpoints,
    flag: '--vpn-endpoints <list>',
    default: 'vpnEndpoint:vpnPort',
    help: 'servers to fail over between, e.g. node1:443,node2:443 (a JSON list in config.json); after a failed attempt or a lost session the next one is tried, with the same backoff',
  },
  { key: 'apiEndpoint', env: agentKeys.apiEndpoint, flag: '--api-endpoint <url>', default: 'https://vpnEndpoint:vpnPort', help: 'override the HTTPS API base URL (apiEndpoint)' },
  { key: 'serverCA', env: agentKeys.serverCA, default: 'the system roots only', help: "base64 PEM of the server's CA, trusted besides the system roots" },
  { key: 'serverIdentityKey', env: agentKeys.serverIdentityKey, default: 'required', help: "the server's Ed25519 identity key, pinned by the device" },
  { key: 'balenaRootCA', env: agentKeys.balenaRootCA, default: 'none', help: 'base64 PEM of a TLS-inspecting network\'s root CA' },
  {
    key: 'allowedTargets',
    env: agentKeys.allowedTargets,
    flag: '--allow-target <host:ports>',
    default: "the device's own loopback",
    help: 'also serve this target, e.g. 192.168.1.0/24:22,80 (repeatable; adds to allowedTargets)',
    parse: (value, previous) => collect(value, previous as string[] | undefined),
  },
  {
    key: 'localPorts',
    env: agentKeys.localPorts,
    flag: '--local-ports <ports>',
    default: '* (every port)',
    help: "the device's own loopback ports the tunnel may reach, e.g. 22222,48484,8000-8100",
  },
  PROXY_SETTING,
  duration('--backoff-base <duration>', 'first reconnect delay bound', 1000, '1s'),
  duration('--backoff-cap <duration>', 'largest reconnect delay bound', 60_000, '60s'),
  duration('--stable-after <duration>', 'a session this long resets the backoff', 30_000, '30s'),
  duration('--keepalive-interval <duration>', 'ping the server this often', 15_000, '15s'),
  duration('--keepalive-timeout <duration>', 'a ping unanswered this long drops the link', 30_000, '30s'),
  duration('--connect-timeout <duration>', 'deadline for TCP + proxy + TLS + upgrade (a stalled phase fails naming itself), and again for authentication', 15_000, '15s'),
  duration('--heartbeat-interval <duration>', 'send a heartbeat (HTTPS, apart from the tunnel) this often; a failed one is retried within the backoff bounds', 30_000, '30s'),
  duration(
    '--watch-interval <duration>',
    'look for network changes (interfaces, addresses, routes) and clock steps this often; either retries at once (so does SIGUSR1); 0 turns it off',
    5_000,
    '5s',
  ),
  {
    flag: '--control-socket <path>',
    env: 'TUNNEL_CONTROL_SOCKET',
    default: '$RUNTIME_DIRECTORY, /run/tunnel-client (root) or $XDG_RUNTIME_DIR, /tunnel-agent-<uuid>.sock',
    help: "unix socket (0600) where the agent tells diagnose its state and takes \"retry now\"",
  },
  { flag: '--no-heartbeat', default: 'heartbeats on', help: 'send no heartbeats (another device process sends them)' },
  {
    env: SYSTEM_PROXY_DIR_VARIABLE,
    default: BALENA_SYSTEM_PROXY_DIR,
    help: "balenaOS's system-proxy folder: its redsocks.conf (type http-connect or socks5) is the proxy when neither --proxy nor the variables name one, its no_proxy file the bypass list when NO_PROXY is unset",
  },
];

/** Name of the docs/configuration.md block that holds the table. */
export const AGENT_SETTINGS_BLOCK = 'tunnel-client-agent-settings';

/** The commander options of `agent`, in table order. */
export function agentOptions(): Option[] {
  return settingOptions(AGENT_SETTINGS);
}
