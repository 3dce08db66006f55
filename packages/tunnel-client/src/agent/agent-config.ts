import { existsSync } from 'node:fs';
import { CodedError } from '@tunnel/protocol/errors';
import { ConfigErrorCode } from './agent-errors.js';
import { readConfigEnv, readConfigFile, resolveDeviceConfig, type DeviceConfig, type RawConfig } from './device-config.js';

/** Where a balena device keeps its config.json; used when neither --config nor TUNNEL_CONFIG names one. */
export const DEFAULT_CONFIG_FILE = '/mnt/boot/config.json';

/** The agent flags that override config.json and the environment. */
export interface AgentConfigFlags {
  config?: string;
  uuid?: string;
  vpnEndpoint?: string;
  vpnPort?: string;
  vpnEndpoints?: string;
  apiEndpoint?: string;
  allowTarget?: string[];
  localPorts?: string;
}

/**
 * File, then TUNNEL_* environment, then flags: each layer overrides the one before. `env` is the
 * process's environment, passed in so diagnose and tests read the one they were given.
 */
export function loadAgentConfig(flags: AgentConfigFlags, env: Readonly<Record<string, string | undefined>>): DeviceConfig {
  const file = flags.config ?? env['TUNNEL_CONFIG'] ?? (existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : undefined);
  const fromFlags: RawConfig = {};
  if (flags.uuid) fromFlags.uuid = flags.uuid;
  if (flags.vpnEndpoint) fromFlags.vpnEndpoint = flags.vpnEndpoint;
  if (flags.vpnPort) fromFlags.vpnPort = flags.vpnPort;
  if (flags.vpnEndpoints) fromFlags.vpnEndpoints = flags.vpnEndpoints;
  if (flags.apiEndpoint) fromFlags.apiEndpoint = flags.apiEndpoint;
  if (flags.allowTarget) fromFlags.allowedTargets = flags.allowTarget.join(';');
  if (flags.localPorts) fromFlags.localPorts = flags.localPorts;
  if (!file && !fromFlags.uuid && !env['TUNNEL_UUID']) {
    throw new CodedError(ConfigErrorCode.Missing, `no device configuration: pass --config FILE (the config.json printed by \`tunnel-server device add\`), or provide ${DEFAULT_CONFIG_FILE}`);
  }
  return resolveDeviceConfig(file ? readConfigFile(file) : {}, readConfigEnv(env), fromFlags);
}
