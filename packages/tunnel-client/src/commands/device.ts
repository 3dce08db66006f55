import type { Command } from 'commander';
import { registerDeviceProxyCommand } from './device-proxy.js';
import { registerDeviceTunnelCommand } from './device-tunnel.js';

export function registerDeviceCommands(program: Command): void {
  const device = program.command('device').description('Reach devices through the tunnel server: forward ports, or proxy stdin/stdout for ssh.');
  registerDeviceTunnelCommand(device);
  registerDeviceProxyCommand(device);
}
