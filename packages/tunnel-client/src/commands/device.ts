import type { Command } from 'commander';
import { registerDeviceListCommands } from './device-list.js';
import { registerDeviceProxyCommand } from './device-proxy.js';
import { registerDeviceTunnelCommand } from './device-tunnel.js';

export function registerDeviceCommands(program: Command): void {
  const device = program.command('device').description('See the devices you may reach and their status; forward ports to them, or proxy stdin/stdout for ssh.');
  registerDeviceListCommands(device);
  registerDeviceTunnelCommand(device);
  registerDeviceProxyCommand(device);
}
