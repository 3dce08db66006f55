import type { Command } from 'commander';
import { ROLES, checkRole, type IssuedToken } from '../registry/index.js';
import { issuedTokenView, userView } from '../views/user-view.js';
import { printListing } from '../views/listing.js';
import { dataOption, registryOption, revokingCommand, stateCommand, type StateFlags } from './options.js';
import { withdrawAccess } from './withdraw-access.js';
import { withRegistry } from './with-registry.js';
import { auditAdminAction } from './admin-audit.js';

interface JsonFlag extends StateFlags {
  json?: boolean;
}

/**
 * A fresh token goes to stdout alone (or as JSON), so `TOKEN=$(tunnel-server user add …)` works;
 * the explanation goes to stderr. It is the only time anyone sees it: only its hash is stored.
 */
function printIssued(issued: IssuedToken, json: boolean | undefined, what: string): void {
  if (json) process.stdout.write(JSON.stringify(issuedTokenView(issued), null, 2) + '\n');
  else process.stdout.write(issued.token + '\n');
  process.stderr.write(
    `${what} ${issued.user.name} (${issued.user.role}). The API token is shown once; hand it to them now.\n` +
      `They log in with: tunnel-client login --server https://<this server>[:port] --token <token> --ca <file from \`tunnel-server ca\`>\n`,
  );
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('Manage the people who may reach devices, and their API tokens.');

  user
    .command('add')
    .description('Create a user and print their API token (once; only its hash is stored).')
    .argument('<name>', 'user name (letters, digits, ".", "_", "@", "-")')
    .requiredOption('--role <role>', `what the user may do: ${ROLES.join(', ')} (admin: every device; developer: devices of their fleets; support: devices with an active support grant)`)
    .addOption(dataOption()).addOption(registryOption())
    .option('--json', 'print the user and token as JSON')
    .action(async (name: string, flags: JsonFlag & { role: string }) => {
      const role = checkRole(flags.role);
      const issued = await withRegistry(flags, async (registry) => {
        const created = await registry.users.create(name, role);
        await auditAdminAction(registry, 'user-add', `${name} as ${role}`);
        return created;
      });
      printIssued(issued, flags.json, 'Created user');
    });

  stateCommand(user, 'list', 'List users and their roles (never tokens).')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: JsonFlag) => {
      const users = await withRegistry(flags, (registry) => registry.users.list());
      printListing(users.map(userView), flags.json, [
        ['NAME', (u) => u.name],
        ['ROLE', (u) => u.role],
        ['CREATED', (u) => u.createdAt],
      ]);
    });

  revokingCommand(user, 'rm', 'Remove a user: their token stops working at once, for new sessions and for new streams of open ones.')
    .argument('<name>', 'user name')
    .action(async (name: string, flags: StateFlags) => {
      await withdrawAccess(flags, `user ${name} removed`, async (registry) => {
        await registry.users.remove(name);
        await auditAdminAction(registry, 'user-remove', name);
      });
      process.stderr.write(`Removed user ${name}.\n`);
    });

  revokingCommand(user, 'token', "Rotate a user's API token: print a new one; the old one stops working at once.")
    .argument('<name>', 'user name')
    .option('--json', 'print the user and token as JSON')
    .action(async (name: string, flags: JsonFlag) => {
      const issued = await withdrawAccess(flags, `token of ${name} rotated`, async (registry) => {
        const rotated = await registry.users.rotateToken(name);
        await auditAdminAction(registry, 'token-create', `${name} (the old token is revoked)`);
        return rotated;
      });
      printIssued(issued, flags.json, 'New token for');
    });
}
