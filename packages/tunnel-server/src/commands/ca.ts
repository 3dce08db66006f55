import type { Command } from 'commander';
import { caCertificatePem } from '../tls/server-tls.js';
import { dataOption } from './options.js';

export function registerCaCommand(program: Command): void {
  program
    .command('ca')
    .description("Print the server's CA certificate (PEM), for developers' machines to trust (tunnel-client login --ca).")
    .addOption(dataOption())
    .action(async (flags: { data: string }) => {
      process.stdout.write(await caCertificatePem(flags.data));
    });
}
