import { createLogger, type Logger } from '@tunnel/protocol/log';
import type { Command } from 'commander';
import { loggedInConnection, type ConnectionFlags, type ServerConnection } from '../developer/connection-settings.js';
import { loadProxyConfig, PROXY_OPTION_HELP } from '../net/proxy-config.js';

/** --server, --token, --ca: on every command that talks to the server; each beats env and login. */
export function withConnectionOptions(command: Command): Command {
  return command
    .option('--server <url>', 'tunnel server, https://HOST[:PORT] (default: $TUNNEL_SERVER, then what login stored)')
    .option('--token <token>', 'API token (default: $TUNNEL_TOKEN, then what login stored)')
    .option('--ca <file>', "PEM file of the server's CA, trusted besides the system roots (default: $TUNNEL_CA, then what login stored)")
    .option('--proxy <url>', PROXY_OPTION_HELP);
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
