import type { Command } from 'commander';
import { requireDevCaCertificate } from '../data-dir.js';
import { dataOption } from './options.js';

export function registerCaCommand(program: Command): void {
  program
    .command('ca')
    .description(
      "Print the server's CA certificate (PEM), for developers' machines to trust (tunnel-client login --ca). Creates nothing: " +
        '`tunnel-server init --data DIR` makes the CA and identity key (for a cluster, once, then copy DIR to every node).',
    )
    .addOption(dataOption())
    .action(async (flags: { data: string }) => {
      process.stdout.write(await requireDevCaCertificate(flags.data));
    });
}
