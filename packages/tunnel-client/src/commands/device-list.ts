import { deviceRef } from '@tunnel/protocol/tunnel';
import { InvalidArgumentError, type Command } from 'commander';
import type { ConnectionFlags } from '../developer/connection-settings.js';
import { lookupDevice } from '../developer/device-lookup.js';
import { deviceDetails, deviceTable, type ListedDevice } from '../developer/device-table.js';
import { getJson } from '../developer/server-api.js';
import { serverConnection, withConnectionOptions } from './connection-options.js';

const STATUSES = ['online', 'heartbeat-only', 'vpn-only', 'offline'];

function parseStatus(value: string): string {
  if (!STATUSES.includes(value)) throw new InvalidArgumentError(`must be one of ${STATUSES.join(', ')}`);
  return value;
}

export function registerDeviceListCommands(device: Command): void {
  withConnectionOptions(
    device
      .command('list')
      .description('List the devices you may reach, with their status (Online, Heartbeat only, VPN only, Offline).')
      .option('--fleet <fleet>', 'only devices of this fleet')
      .option('--status <status>', `only devices with this status: ${STATUSES.join(', ')}`, parseStatus)
      .option('--json', 'print JSON instead of a table'),
  ).action(async (flags: ConnectionFlags & { fleet?: string; status?: string; json?: boolean }) => {
    const query = new URLSearchParams();
    if (flags.fleet) query.set('fleet', flags.fleet);
    if (flags.status) query.set('status', flags.status);
    const { devices } = await getJson<{ devices: ListedDevice[] }>(serverConnection(flags), `/v1/devices?${query}`);
    process.stdout.write(flags.json ? JSON.stringify(devices, null, 2) + '\n' : deviceTable(devices));
  });

  withConnectionOptions(
    device
      .command('status')
      .description("Show one device's status and why: tunnel and heartbeat, since when, address, agent version, clock offset, last error.")
      .argument('<device>', 'device uuid, unique prefix (7+ characters) or name')
      .option('--json', 'print JSON'),
  ).action(async (ref: string, flags: ConnectionFlags & { json?: boolean }) => {
    const view = (await lookupDevice(serverConnection(flags), deviceRef(ref))) as ListedDevice;
    process.stdout.write(flags.json ? JSON.stringify(view, null, 2) + '\n' : deviceDetails(view));
  });
}
