import type { Command } from 'commander';
import { loadOrCreateTerminalKey } from '../web-terminal/terminal-key.js';
import { dataOption } from './options.js';

export function registerSshKeyCommand(program: Command): void {
  program
    .command('ssh-key')
    .description("Print the public key the browser terminal logs in to devices' sshd with, one authorized_keys line (made on first use; see docs/ssh.md).")
    .addOption(dataOption())
    .action((flags: { data: string }) => {
      process.stdout.write(`${loadOrCreateTerminalKey(flags.data).publicKey}\n`);
    });
}
