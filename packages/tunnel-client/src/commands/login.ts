import type { Command } from 'commander';
import { readCaFile, resolveConnection } from '../developer/connection-settings.js';
import { credentialsFile, writeCredentials, type StoredCredentials } from '../developer/credentials.js';
import { getJson } from '../developer/server-api.js';
import { viaProxy, withConnectionOptions } from './connection-options.js';

interface LoginFlags {
  server?: string;
  token?: string;
  ca?: string;
}

export function registerLoginCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('login')
      .description(
        'Check a server URL and API token by asking the server who you are, then store them (and the CA) ' +
          'in $XDG_CONFIG_HOME/tunnel-client/credentials.json (~/.config/… by default), readable only by you.',
      ),
  ).action(async (flags: LoginFlags) => {
    // Only flags and environment count: login is how the stored file gets replaced.
    const connection = viaProxy(resolveConnection(flags, process.env, null), flags);
    const me = await getJson<{ name: string; role: string }>(connection, '/v1/whoami');
    const stored: StoredCredentials = { server: connection.server.origin, token: connection.token, user: me.name };
    const caFile = flags.ca ?? process.env['TUNNEL_CA'];
    if (caFile) stored.ca = readCaFile(caFile);
    const file = credentialsFile();
    writeCredentials(file, stored);
    process.stdout.write(`Logged in to ${connection.server.origin} as ${me.name} (${me.role}).\nCredentials saved to ${file} (mode 0600).\n`);
  });
}
