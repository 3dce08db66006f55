import { parsePortArg } from '@tunnel/protocol/cli';
import type { Command } from 'commander';
import type { GrantScope, Registry, TerminalLogin } from '../registry/types.js';
import { stateCommand, type StateFlags } from './options.js';
import { withRegistry } from './with-registry.js';

/** The word that makes a field inherit again (from the fleet, then the server). */
const INHERIT = 'inherit';

interface LoginFlags extends StateFlags {
  sshPort?: number | null;
  sshUser?: string | null;
  json?: boolean;
}

/**
 * `<parent> terminal <ref>`: shows or changes how the browser terminal logs in to the sshd of a
 * fleet's devices or of one device, for fleets whose devices do not all run the server's default.
 */
export function registerTerminalLoginCommand(
  parent: Command,
  what: string,
  argument: string,
  scopeOf: (registry: Registry, ref: string) => Promise<{ scope: GrantScope; label: string }>,
): void {
  stateCommand(parent, 'terminal', `Show or set the sshd port and user the browser terminal logs in to on ${what} ("${INHERIT}" clears a field).`)
    .argument('<ref>', argument)
    .option('--ssh-port <port>', `sshd port on the device, or "${INHERIT}"`, (v) => (v === INHERIT ? null : parsePortArg(v)))
    .option('--ssh-user <user>', `user to log in as, or "${INHERIT}"`, (v) => (v === INHERIT ? null : v))
    .option('--json', 'print the setting as JSON')
    .action(async (ref: string, flags: LoginFlags) => {
      const { label, login } = await withRegistry(flags, async (registry) => {
        const { scope, label } = await scopeOf(registry, ref);
        const changes: Partial<TerminalLogin> = {
          ...(flags.sshPort !== undefined ? { sshPort: flags.sshPort } : {}),
          ...(flags.sshUser !== undefined ? { sshUser: flags.sshUser } : {}),
        };
        const login = Object.keys(changes).length === 0 ? await registry.terminalLogins.get(scope) : await registry.terminalLogins.set(scope, changes);
        return { label, login };
      });
      if (flags.json) {
        process.stdout.write(JSON.stringify(login) + '\n');
        return;
      }
      const field = (value: number | string | null): string => (value === null ? `${INHERIT}ed` : String(value));
      process.stdout.write(`${label}: browser terminal logs in on port ${field(login.sshPort)} as ${field(login.sshUser)}\n`);
    });
}
