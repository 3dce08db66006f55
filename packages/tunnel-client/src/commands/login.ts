import type { Command } from 'commander';
import { readCaFile, resolveConnection } from '../developer/connection-settings.js';
import { credentialsFile, writeCredentials, type StoredCredentials } from '../developer/credentials.js';
import { readToken } from '../developer/read-token.js';
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
          'in $XDG_CONFIG_HOME/tunnel-client/credentials.json (~/.config/… by default), readable only by you. ' +
          'The token is read from a prompt, or from standard input when it is not a terminal (--token would show it in ps).',
      ),
  ).action(async (flags: LoginFlags) => {
    // Only flags, environment and standard input count: login is how the stored file gets replaced.
    const token = flags.token ?? (process.env['TUNNEL_TOKEN'] || (await readToken()));
    const connection = viaProxy(resolveConnection({ ...flags, token }, process.env, null), flags);
    const me = await getJson<{ name: string; role: string }>(connection, '/v1/whoami');
    const stored: StoredCredentials = { server: connection.server.origin, token: connection.token, user: me.name };
    const caFile = flags.ca ?? process.env['TUNNEL_CA'];
    if (caFile) stored.ca = readCaFile(caFile);
    const file = credentialsFile();
    writeCredentials(file, stored);
    process.stdout.write(`Logged in to ${connection.server.origin} as ${me.name} (${me.role}).\nCredentials saved to ${file} (mode 0600).\n`);
  });
}
