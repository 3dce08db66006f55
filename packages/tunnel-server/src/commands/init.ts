import path from 'node:path';
import { collect } from '@tunnel/protocol/cli';
import { ensureDevPki } from '@tunnel/protocol/dev-pki';
import { loadOrCreateServerIdentity } from '@tunnel/protocol/trust';
import type { Command } from 'commander';
import { openRegistry } from '../registry/index.js';
import { dataOption } from './options.js';

/**
 * The one admin command that creates a data directory (besides `start`): registry, identity key
 * and development CA, so devices can be provisioned before the server first runs. Running it
 * again keeps everything that exists.
 */
export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('Create the data directory: registry, server identity key and development CA (keeps what exists).')
    .addOption(dataOption())
    .option('--hostname <name>', 'extra DNS name or IP for the development certificate (repeatable)', collect)
    .action(async (flags: { data: string; hostname?: string[] }) => {
      const registry = await openRegistry({ dataDir: flags.data, create: true });
      await registry.close();
      const identity = await loadOrCreateServerIdentity(flags.data);
      const pki = await ensureDevPki(flags.data, { hostnames: flags.hostname ?? [] });
      process.stderr.write(
        `Data directory ${path.resolve(flags.data)} is ready: registry, identity key ${identity.publicKeyString}, ` +
          `development CA${pki.caCreated ? ' (new)' : ''} for ${pki.names.join(', ')}.\n`,
      );
    });
}
