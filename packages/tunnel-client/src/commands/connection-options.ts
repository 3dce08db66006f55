import { createLogger, type Logger } from '@tunnel/protocol/log';
import { settingOptions, type OptionSetting } from '@tunnel/protocol/cli';
import type { Command } from 'commander';
import { loggedInConnection, type ConnectionFlags, type ServerConnection } from '../developer/connection-settings.js';
import { loadProxyConfig } from '../net/proxy-config.js';
import { PROXY_SETTING } from './agent-settings.js';

/**
 * The settings of every developer command that talks to the server (`device ...`, `ssh`,
 * `login`): a flag beats its environment variable, which beats what `login` stored (the file key).
 */
export const CONNECTION_SETTINGS: readonly OptionSetting[] = [
  { key: 'server', flag: '--server <url>', env: 'TUNNEL_SERVER', default: 'what login stored', help: 'tunnel server, https://HOST[:PORT] (default: $TUNNEL_SERVER, then what login stored)' },
  { key: 'token', flag: '--token <token>', env: 'TUNNEL_TOKEN', default: 'what login stored', help: 'API token (default: $TUNNEL_TOKEN, then what login stored)' },
  {
    key: 'ca',
    flag: '--ca <file>',
    env: 'TUNNEL_CA',
    default: 'what login stored, else the system roots',
    help: "PEM file of the server's CA, trusted besides the system roots (default: $TUNNEL_CA, then what login stored)",
  },
  PROXY_SETTING,
];

export const CONNECTION_SETTINGS_BLOCK = 'tunnel-client-connection-settings';

export function withConnectionOptions(command: Command): Command {
  for (const option of settingOptions(CONNECTION_SETTINGS)) command.addOption(option);
  return command;
}

/** The stored or given connection, leaving through --proxy / HTTPS_PROXY unless NO_PROXY says otherwise. */
export function serverConnection(flags: ConnectionFlags): ServerConnection {
  return viaProxy(loggedInConnection(flags), flags);
}

export function viaProxy(connection: ServerConnection, flags: ConnectionFlags): ServerConnection {
  return { ...connection, proxy: loadProxyConfig({ proxy: flags.proxy }) };
}

/**
 * Developer commands print for people on stdout; their JSON logs on stderr stay quiet unless
 * LOG_LEVEL asks, because ssh shows a ProxyCommand's stderr in the user's terminal.
 */
export function developerLogger(): Logger {
  return createLogger({ name: 'tunnel-client', level: process.env['LOG_LEVEL'] ?? 'warn' });
}
