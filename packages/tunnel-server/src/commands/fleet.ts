import type { Command } from 'commander';
import { formatTable } from '../views/device-view.js';
import { stateCommand, type StateFlags } from './options.js';
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

  stateCommand(fleet, 'rm', 'Remove a fleet that no device belongs to any more (its memberships and support grants go with it).')
    .argument('<name>', 'fleet name')
    .action(async (name: string, flags: StateFlags) => {
      await withRegistry(flags, (r) => r.fleets.remove(name));
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
      if (flags.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
      else process.stdout.write(formatTable(['FLEET', 'DEVICES', 'MEMBERS', 'CREATED'], rows.map((f) => [f.name, String(f.devices), f.members.join(', ') || '-', f.createdAt])));
    });

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
  stateCommand(member, 'rm', 'Remove a user from a fleet; their live streams to its devices are closed within a second.')
    .argument('<fleet>', 'fleet name')
    .argument('<user>', 'user name')
    .action(async (fleetName: string, user: string, flags: StateFlags) => {
      await withRegistry(flags, async (r) => {
        await r.fleets.removeMember(fleetName, user);
        await auditAdminAction(r, 'fleet-member-remove', `${user} from fleet ${fleetName}`);
      });
      process.stderr.write(`${user} is no longer a member of fleet ${fleetName}.\n`);
    });
}
