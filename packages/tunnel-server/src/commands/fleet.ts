import type { Command } from 'commander';
import { printListing } from '../views/listing.js';
import { revokingCommand, stateCommand, type StateFlags } from './options.js';
import { registerTerminalLoginCommand } from './terminal-login-command.js';
import { withdrawAccess } from './withdraw-access.js';
import { withRegistry } from './with-registry.js';
import { auditAdminAction } from './admin-audit.js';

export function registerFleetCommands(program: Command): void {
  const fleet = program.command('fleet').description('Group devices into fleets and give developers access to them.');

  stateCommand(fleet, 'add', 'Create a fleet (then: device add --fleet NAME, fleet member add NAME USER).')
    .argument('<name>', 'fleet name')
    .action(async (name: string, flags: StateFlags) => {
      await withRegistry(flags, (r) => r.fleets.create(name));
      process.stderr.write(`Created fleet ${name}.\n`);
    });

  revokingCommand(fleet, 'rm', 'Remove a fleet that no device belongs to any more (its memberships and support grants go with it).')
    .argument('<name>', 'fleet name')
    .action(async (name: string, flags: StateFlags) => {
      await withdrawAccess(flags, `fleet ${name} removed`, (r) => r.fleets.remove(name));
      process.stderr.write(`Removed fleet ${name}.\n`);
    });

  stateCommand(fleet, 'list', 'List fleets with their device and member counts.')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: StateFlags & { json?: boolean }) => {
      const rows = await withRegistry(flags, async (r) =>
        Promise.all(
          (await r.fleets.list()).map(async (f) => ({
            name: f.name,
            devices: (await r.devices.list({ fleet: f.name })).length,
            members: (await r.fleets.members(f.name)).map((u) => u.name),
            createdAt: new Date(f.createdAt).toISOString(),
          })),
        ),
      );
      printListing(rows, flags.json, [
        ['FLEET', (f) => f.name],
        ['DEVICES', (f) => String(f.devices)],
        ['MEMBERS', (f) => f.members.join(', ') || '-'],
        ['CREATED', (f) => f.createdAt],
      ]);
    });

  registerTerminalLoginCommand(fleet, "a fleet's devices", 'fleet name', async (_registry, name) => ({ scope: { kind: 'fleet', fleet: name }, label: `fleet ${name}` }));

  const member = fleet.command('member').description("Manage who may reach a fleet's devices (developers reach the fleets they are members of).");
  stateCommand(member, 'add', 'Make a user a member of a fleet.')
    .argument('<fleet>', 'fleet name')
    .argument('<user>', 'user name')
    .action(async (fleetName: string, user: string, flags: StateFlags) => {
      await withRegistry(flags, async (r) => {
        await r.fleets.addMember(fleetName, user);
        await auditAdminAction(r, 'fleet-member-add', `${user} to fleet ${fleetName}`);
      });
      process.stderr.write(`${user} is now a member of fleet ${fleetName}.\n`);
    });
  revokingCommand(member, 'rm', 'Remove a user from a fleet; their live streams to its devices are closed within a second.')
    .argument('<fleet>', 'fleet name')
    .argument('<user>', 'user name')
    .action(async (fleetName: string, user: string, flags: StateFlags) => {
      await withdrawAccess(flags, `${user} left fleet ${fleetName}`, async (r) => {
        await r.fleets.removeMember(fleetName, user);
        await auditAdminAction(r, 'fleet-member-remove', `${user} from fleet ${fleetName}`);
      });
      process.stderr.write(`${user} is no longer a member of fleet ${fleetName}.\n`);
    });
}
