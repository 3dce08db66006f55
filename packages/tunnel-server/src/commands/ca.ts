import type { Command } from 'commander';
import { serverTrust } from '../tls/cluster-trust.js';
import { dataOption } from './options.js';

export function registerCaCommand(program: Command): void {
  program
    .command('ca')
    .description(
      "Print the server's CA certificate (PEM), for developers' machines to trust (tunnel-client login --ca). Creates the CA and " +
        'the identity key in --data when missing: for a cluster, run it once and copy the directory to every node.',
    )
    .addOption(dataOption())
    .action(async (flags: { data: string }) => {
      process.stdout.write((await serverTrust(flags.data, false)).caPem);
    });
}
