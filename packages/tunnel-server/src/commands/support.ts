import { parseDuration } from '@tunnel/protocol/cli';
import { CodedError } from '@tunnel/protocol/errors';
import { InvalidArgumentError, type Command } from 'commander';
import { resolveDevice } from '../devices/resolve-device.js';
import type { GrantScope, Registry, SupportGrantRecord } from '../registry/types.js';
import { printListing } from '../views/listing.js';
import { grantView, scopeText } from '../views/grant-view.js';
import { revokingCommand, stateCommand, type StateFlags } from './options.js';
import { withdrawAccess } from './withdraw-access.js';
import { withRegistry } from './with-registry.js';
import { CommandErrorCode } from './command-errors.js';
import { adminActor, auditAdminAction } from './admin-audit.js';

interface TargetFlags extends StateFlags {
  device?: string;
  fleet?: string;
}

/** "12h" and the like; a negative or zero duration would put the grant's end in the past. */
export function parseGrantDuration(text: string): number {
  if (/^\s*-/.test(text)) throw new InvalidArgumentError(`"${text}" lies in the past; give how long access lasts from now, for example 12h`);
  let ms: number;
  try {
    ms = parseDuration(text, '--duration');
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
  if (ms <= 0) throw new InvalidArgumentError(`"${text}" would end the grant now; give how long access lasts, for example 12h`);
  return ms;
}

export function parsePorts(text: string): number[] {
  const ports = text.split(',').map((p) => p.trim());
  for (const p of ports) {
    const n = Number(p);
    if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw new InvalidArgumentError(`"${p}" is not a port number (1-65535); use a list like 22222,48484`);
  }
  return ports.map(Number);
}

/** --device a,b (uuids, prefixes or names) or --fleet NAME: exactly one of them. */
async function grantScopes(registry: Registry, flags: TargetFlags): Promise<GrantScope[]> {
  if ((flags.device === undefined) === (flags.fleet === undefined)) {
    throw new CodedError(CommandErrorCode.SupportTarget, 'give either --device UUID[,UUID...] or --fleet NAME');
  }
  if (flags.fleet !== undefined) {
    if ((await registry.fleets.get(flags.fleet)) === null) throw new CodedError(CommandErrorCode.UnknownFleet, `no fleet "${flags.fleet}"; see \`tunnel-server fleet list\``);
    return [{ kind: 'fleet', fleet: flags.fleet }];
  }
  const refs = flags.device!.split(',').map((d) => d.trim()).filter(Boolean);
  return Promise.all(refs.map(async (ref) => ({ kind: 'device' as const, deviceUuid: (await resolveDevice(registry, ref)).uuid })));
}

function auditGrant(registry: Registry, action: 'support-enable' | 'support-disable', g: SupportGrantRecord, actor: string): Promise<void> {
  const what = `grant #${g.id}: ${scopeText(g.scope)}, ports ${g.ports.join(', ')}, until ${new Date(g.expiresAt).toISOString()}`;
  return auditAdminAction(registry, action, what, { actor, ...(g.scope.kind === 'device' ? { deviceUuid: g.scope.deviceUuid } : {}) });
}

export function registerSupportCommands(program: Command): void {
  const support = program
    .command('support')
    .description('Grant support users time-limited access to devices or whole fleets (checked on every stream; live streams end with the grant).');

  stateCommand(support, 'enable', 'Grant support access for a while (default 24 h) to ports (default 22222) of devices or of a fleet.')
    .option('--device <uuids>', 'devices: uuids, 7+ character prefixes or names, comma-separated')
    .option('--fleet <name>', 'every device of this fleet')
    .option('--duration <duration>', 'how long from now, e.g. 30m, 12h, 7d', parseGrantDuration, 24 * 3_600_000)
    .option('--ports <list>', 'ports support may reach, comma-separated', parsePorts)
    .option('--by <name>', 'who grants it, for the record (default $USER)')
    .action(async (flags: TargetFlags & { duration: number; ports?: number[]; by?: string }) => {
      const expiresAt = Date.now() + flags.duration;
      const createdBy = flags.by ?? adminActor();
      const grants = await withRegistry(flags, async (registry) => {
        const scopes = await grantScopes(registry, flags);
        const created = await Promise.all(scopes.map((scope) => registry.grants.create({ scope, ports: flags.ports, createdBy, expiresAt })));
        for (const g of created) await auditGrant(registry, 'support-enable', g, createdBy);
        return created;
      });
      for (const g of grants) {
        process.stdout.write(`Support access #${g.id} to ${scopeText(g.scope)}, ports ${g.ports.join(', ')}, until ${new Date(g.expiresAt).toISOString()}\n`);
      }
    });

  revokingCommand(support, 'disable', "Revoke support access to devices or a fleet now; support users' live streams there are closed within a second.")
    .option('--device <uuids>', 'devices: uuids, 7+ character prefixes or names, comma-separated')
    .option('--fleet <name>', 'the fleet')
    .action(async (flags: TargetFlags) => {
      const revoked = await withdrawAccess(flags, 'support access revoked', async (registry) => {
        const scopes = await grantScopes(registry, flags);
        const fleet = scopes.find((s) => s.kind === 'fleet');
        const ended = await registry.grants.revoke(fleet?.kind === 'fleet' ? { fleet: fleet.fleet } : { deviceUuids: scopes.flatMap((s) => (s.kind === 'device' ? [s.deviceUuid] : [])) });
        for (const g of ended) await auditGrant(registry, 'support-disable', g, adminActor());
        return ended;
      });
      process.stdout.write(revoked.length === 0 ? 'No active support access there; nothing to revoke.\n' : revoked.map((g) => `Revoked support access #${g.id} to ${scopeText(g.scope)}\n`).join(''));
    });

  stateCommand(support, 'list', 'List support grants (active ones; --all for expired and revoked too).')
    .option('--all', 'include expired and revoked grants')
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: StateFlags & { all?: boolean; json?: boolean }) => {
      const now = Date.now();
      const grants = await withRegistry(flags, (r) => r.grants.list({ includeInactive: flags.all ?? false, at: now }));
      const rows = grants.map((g) => grantView(g, now));
      printListing(rows, flags.json, [
        ['ID', (g) => String(g.id)],
        ['SCOPE', (g) => scopeText(g.scope, true)],
        ['PORTS', (g) => g.ports.join(',')],
        ['STATE', (g) => g.state],
        ['EXPIRES', (g) => g.expiresAt],
        ['BY', (g) => g.createdBy],
      ]);
    });
}
