import { randomBytes } from 'node:crypto';
import { devicePublicKey } from '@tunnel/protocol/auth';
import { CodedError } from '@tunnel/protocol/errors';
import type { Command } from 'commander';
import { openConfiguredPresence } from '../presence/open-presence.js';
import { resolveDevice } from '../devices/resolve-device.js';
import { readDevCaCertificate, requireServerIdentity } from '../data-dir.js';
import { deviceView } from '../views/device-view.js';
import { printListing } from '../views/listing.js';
import { presenceOption, stateCommand, type StateFlags } from './options.js';
import { registerTerminalLoginCommand } from './terminal-login-command.js';
import { withRegistry } from './with-registry.js';
import { CommandErrorCode } from './command-errors.js';
import { auditAdminAction } from './admin-audit.js';

/** "host", "host:8443", "[::1]:8443" -> host and port (443 by default). */
export function parseEndpoint(text: string): { host: string; port: number } {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+))(?::(\d+))?$/.exec(text.trim());
  const port = m?.[3] === undefined ? 443 : Number(m[3]);
  if (!m || port < 1 || port > 65535) {
    throw new CodedError(CommandErrorCode.InvalidEndpoint, `--endpoint "${text}" must be HOST or HOST:PORT (for example tunnel.example.com or 203.0.113.7:8443)`);
  }
  return { host: (m[1] ?? m[2])!, port };
}

export function registerDeviceCommands(program: Command): void {
  const device = program.command('device').description('Provision, list and remove devices.');

  stateCommand(device, 'add', "Register a device and print its config.json (uuid, deviceApiKey, endpoint, the server's CA and identity key).")
    .option('--name <name>', 'device name (default: device-<uuid prefix>)')
    .option('--fleet <fleet>', 'fleet the device belongs to')
    .requiredOption('--endpoint <host[:port]>', 'address devices use to reach this server (port 443 when absent)')
    .action(async (flags: StateFlags & { name?: string; fleet?: string; endpoint: string }) => {
      const endpoint = parseEndpoint(flags.endpoint);
      const deviceApiKey = randomBytes(32).toString('hex');
      const record = await withRegistry(flags, async (registry) => {
        // Checked before the device is stored, so a wrong --data leaves nothing behind.
        const identity = await requireServerIdentity(flags.data);
        const caPem = await readDevCaCertificate(flags.data);
        const device = await registry.devices.create({ name: flags.name, fleet: flags.fleet ?? null, authPublicKey: devicePublicKey(deviceApiKey) });
        await auditAdminAction(registry, 'device-add', device.fleet === null ? device.name : `${device.name} in fleet ${device.fleet}`, { deviceUuid: device.uuid });
        return { ...device, identity, caPem };
      });
      const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
      const config = {
        uuid: record.uuid,
        deviceApiKey,
        vpnEndpoint: endpoint.host,
        vpnPort: endpoint.port,
        apiEndpoint: `https://${host}:${endpoint.port}`,
        // Without a development CA the server presents the operator's certificate, which the
        // device's system roots already trust.
        ...(record.caPem === undefined ? {} : { serverCA: Buffer.from(record.caPem, 'utf8').toString('base64') }),
        serverIdentityKey: record.identity.publicKeyString,
      };
      process.stdout.write(JSON.stringify(config, null, 2) + '\n');
      process.stderr.write(`Registered device ${record.name} (${record.uuid}). Keep this config.json secret: it holds the device key, which is not stored on the server.\n`);
    });

  stateCommand(device, 'list', 'List devices with their status (online, heartbeat-only, vpn-only, offline).').addOption(presenceOption())
    .option('--json', 'print JSON instead of a table')
    .action(async (flags: StateFlags & { json?: boolean }) => {
      // The registry first: it refuses a directory that was never initialised, which opening
      // embedded presence would otherwise create.
      const devices = await withRegistry(flags, (registry) => registry.devices.list());
      const presence = await openConfiguredPresence({ url: flags.presence, dataDir: flags.data });
      try {
        const now = Date.now();
        const byUuid = new Map((await presence.list()).map((p) => [p.uuid, p]));
        const views = devices.map((d) => deviceView(d, byUuid.get(d.uuid) ?? null, now));
        printListing(views, flags.json, [
          ['UUID', (v) => v.uuid.slice(0, 7)],
          ['NAME', (v) => v.name],
          ['FLEET', (v) => v.fleet ?? '-'],
          ['STATUS', (v) => v.statusLabel],
          ['CONNECTED SINCE', (v) => v.vpn.connectedAt ?? '-'],
          ['LAST HEARTBEAT', (v) => v.lastHeartbeatAt ?? '-'],
        ]);
      } finally {
        await presence.close();
      }
    });

  stateCommand(device, 'rm', 'Remove a device: its key stops working at once and a running server closes its session.')
    .argument('<uuid>', 'device uuid, unique prefix (7+ characters) or name')
    .action(async (ref: string, flags: StateFlags) => {
      const removed = await withRegistry(flags, async (registry) => {
        const device = await resolveDevice(registry, ref);
        await registry.devices.remove(device.uuid);
        await auditAdminAction(registry, 'device-remove', device.name, { deviceUuid: device.uuid });
        return device;
      });
      process.stderr.write(`Removed device ${removed.name} (${removed.uuid}).\n`);
    });

  registerTerminalLoginCommand(device, 'one device (over its fleet\'s)', 'device uuid, unique prefix (7+ characters) or name', async (registry, ref) => {
    const found = await resolveDevice(registry, ref);
    return { scope: { kind: 'device', deviceUuid: found.uuid }, label: `device ${found.name}` };
  });
}
