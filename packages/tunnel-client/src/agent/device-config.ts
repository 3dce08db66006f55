import { readFileSync } from 'node:fs';
import { CodedError } from '@tunnel/protocol/errors';
import { decodeBalenaRootCA } from '@tunnel/protocol/trust';
import { ConfigErrorCode } from './agent-errors.js';
import { defaultApiEndpoint, parseServerEndpoints, type ServerEndpoint } from './server-endpoints.js';

/** Everything the agent needs, after the file, the environment and the flags are merged and checked. */
export interface DeviceConfig {
  uuid: string;
  deviceApiKey: string;
  vpnEndpoint: string;
  vpnPort: number;
  /**
   * The servers the agent fails over between, in order (config key vpnEndpoints: nodes of a
   * cluster, or balancers); [vpnEndpoint:vpnPort] when the key is absent.
   */
  vpnEndpoints: ServerEndpoint[];
  /** HTTPS base URL of the server's API (heartbeats); defaults to https://vpnEndpoint:vpnPort. */
  apiEndpoint: string;
  /** PEM certificates of the server's CA (config key serverCA, base64 of PEM as device add writes it). */
  serverCA: string[];
  /** The server identity key the device pins (base64url Ed25519 public key). */
  serverIdentityKey: string;
  /** The root CA of a TLS-inspecting network, base64 PEM as balena devices carry it. */
  balenaRootCA: string[];
  /**
   * Extra targets beyond the device's own loopback, e.g. "192.168.1.0/24:22,80" or "10.0.0.5:*"
   * (a JSON list in config.json; separated by ";" or spaces in TUNNEL_ALLOWED_TARGETS).
   */
  allowedTargets: string[];
  /**
   * The device's own loopback ports the tunnel may reach, e.g. "22222,48484,8000-8100"; "*" (the
   * default) is every port (a JSON list or a string in config.json).
   */
  localPorts: string;
}

/** Keys the agent reads, with the environment variable that overrides each. */
export const agentKeys = {
  uuid: 'TUNNEL_UUID',
  deviceApiKey: 'TUNNEL_DEVICE_API_KEY',
  vpnEndpoint: 'TUNNEL_VPN_ENDPOINT',
  vpnPort: 'TUNNEL_VPN_PORT',
  vpnEndpoints: 'TUNNEL_VPN_ENDPOINTS',
  apiEndpoint: 'TUNNEL_API_ENDPOINT',
  serverCA: 'TUNNEL_SERVER_CA',
  serverIdentityKey: 'TUNNEL_SERVER_IDENTITY_KEY',
  balenaRootCA: 'TUNNEL_BALENA_ROOT_CA',
  allowedTargets: 'TUNNEL_ALLOWED_TARGETS',
  localPorts: 'TUNNEL_LOCAL_PORTS',
} as const satisfies Record<keyof DeviceConfig, string>;

type AgentKey = keyof typeof agentKeys;

/**
 * A balena config.json also serves the supervisor, os-config and the OS; their keys are left
 * alone. Any other key close to one of ours is almost certainly a typo and is refused.
 */
const foreignKeys = new Set([
  'applicationId', 'applicationName', 'appUpdatePollInterval', 'deltaEndpoint', 'developmentMode',
  'deviceApiKeys', 'deviceType', 'deviceId', 'listenPort', 'mixpanelToken', 'registryEndpoint', 'userId',
  'username', 'registered_at', 'hostname', 'persistentLogging', 'os', 'country', 'ntpServers', 'dnsServers',
  'installer', 'networkConfig', 'networkSsid', 'networkKey', 'wifiSsid', 'wifiKey', 'sshKeys', 'pubnubSubscribeKey',
  'pubnubPublishKey', 'connectivity', 'randomMacAddressScan', 'uuidShort', 'provisioningApiKey', 'fleet',
]);

export type RawConfig = Partial<Record<AgentKey, string>>;

function invalid(key: string, expected: string, got: unknown): never {
  throw new CodedError(ConfigErrorCode.Invalid, `config key ${key} must be ${expected}, got ${JSON.stringify(got)}`);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

/** Reads config.json: values of our keys become strings (balena writes "443" and 443 alike). */
export function readConfigFile(file: string): RawConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new CodedError(ConfigErrorCode.Unreadable, `cannot read config file ${file}: ${(err as Error).message}`, { cause: err });
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new CodedError(ConfigErrorCode.NotJson, `config file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new CodedError(ConfigErrorCode.NotJson, `config file ${file} must hold a JSON object`);
  }
  const raw: RawConfig = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (key in agentKeys) {
      const k = key as AgentKey;
      if (k === 'allowedTargets' || k === 'vpnEndpoints') {
        const example = k === 'allowedTargets' ? '"192.168.1.0/24:22"' : '"node1.example.com:443"';
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) invalid(k, `a list of strings such as ${example}`, value);
        raw[k] = (value as string[]).join(';');
      } else if (k === 'localPorts' && Array.isArray(value)) {
        if (!value.every((v) => typeof v === 'string' || typeof v === 'number')) invalid(k, 'a list of ports such as [22222, "8000-8100"]', value);
        raw[k] = value.join(',');
      } else if (typeof value === 'string' || typeof value === 'number') {
        raw[k] = String(value);
      } else {
        invalid(k, 'a string', value);
      }
      continue;
    }
    if (foreignKeys.has(key)) continue;
    const near = (Object.keys(agentKeys) as AgentKey[]).find((k) => editDistance(k, key) <= 2);
    if (near) {
      throw new CodedError(ConfigErrorCode.UnknownKey, `config file ${file} has unknown key "${key}"; did you mean "${near}"?`);
    }
  }
  return raw;
}

/** Overrides from TUNNEL_* environment variables. */
export function readConfigEnv(env: NodeJS.ProcessEnv): RawConfig {
  const raw: RawConfig = {};
  for (const [key, name] of Object.entries(agentKeys) as [AgentKey, string][]) {
    const v = env[name];
    if (v !== undefined && v !== '') raw[key] = v;
  }
  return raw;
}

const HOST_RE = /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*$/;

function isHost(value: string): boolean {
  return HOST_RE.test(value) || /^[0-9a-fA-F:]+$/.test(value);
}

/** Merges layers (later wins) and validates every value, naming the key and what was expected. */
export function resolveDeviceConfig(...layers: RawConfig[]): DeviceConfig {
  const merged: RawConfig = Object.assign({}, ...layers) as RawConfig;
  const need = (key: AgentKey): string => {
    const v = merged[key];
    if (v === undefined || v === '') {
      throw new CodedError(ConfigErrorCode.Missing, `config key ${key} is missing (set it in config.json or ${agentKeys[key]})`);
    }
    return v;
  };
  const uuid = need('uuid').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(uuid)) invalid('uuid', '32 hexadecimal characters', merged.uuid);
  const deviceApiKey = need('deviceApiKey');
  if (deviceApiKey.length < 16) invalid('deviceApiKey', 'a key of at least 16 characters', '<hidden>');
  const portText = merged.vpnPort ?? '443';
  const defaultPort = Number(portText);
  if (!/^\d+$/.test(portText) || defaultPort < 1 || defaultPort > 65535) invalid('vpnPort', 'a port number from 1 to 65535', portText);
  const listed = merged.vpnEndpoints === undefined ? undefined : parseServerEndpoints(merged.vpnEndpoints, defaultPort);
  if (merged.vpnEndpoints !== undefined && (listed === undefined || !listed.every((e) => isHost(e.host)))) {
    invalid('vpnEndpoints', 'a list of host:port entries such as "node1.example.com:443"', merged.vpnEndpoints);
  }
  // With a list, its first entry stands for the single server wherever one is named (apiEndpoint).
  const vpnEndpoint = listed?.[0]?.host ?? need('vpnEndpoint');
  if (!isHost(vpnEndpoint)) invalid('vpnEndpoint', 'a host name or IP address', vpnEndpoint);
  const vpnPort = listed?.[0]?.port ?? defaultPort;
  const apiEndpoint = (merged.apiEndpoint ?? defaultApiEndpoint({ host: vpnEndpoint, port: vpnPort })).replace(/\/+$/, '');
  let api: URL;
  try {
    api = new URL(apiEndpoint);
  } catch {
    return invalid('apiEndpoint', 'an https:// URL', apiEndpoint);
  }
  if (api.protocol !== 'https:') invalid('apiEndpoint', 'an https:// URL', apiEndpoint);
  const serverIdentityKey = need('serverIdentityKey');
  if (!/^[A-Za-z0-9_-]{43}$/.test(serverIdentityKey)) invalid('serverIdentityKey', 'the 43-character key printed by `tunnel-server device add`', serverIdentityKey);
  const allowedTargets = (merged.allowedTargets ?? '').split(/[;\s]+/).filter(Boolean);
  return {
    uuid,
    deviceApiKey,
    vpnEndpoint,
    vpnPort,
    vpnEndpoints: listed ?? [{ host: vpnEndpoint, port: vpnPort }],
    apiEndpoint,
    serverCA: merged.serverCA ? decodeBalenaRootCA(merged.serverCA, { key: 'serverCA' }) : [],
    serverIdentityKey,
    balenaRootCA: merged.balenaRootCA ? decodeBalenaRootCA(merged.balenaRootCA, { key: 'balenaRootCA' }) : [],
    allowedTargets,
    localPorts: (merged.localPorts ?? '*').replace(/\s+/g, ''),
  };
}
