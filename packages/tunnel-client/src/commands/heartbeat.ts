import { deviceSigner } from '@tunnel/protocol/auth';
import { settingOptions } from '@tunnel/protocol/cli';
import { createLogger } from '@tunnel/protocol/log';
import type { Command } from 'commander';
import { sendHeartbeat } from '../agent/heartbeat.js';
import { loadProxyConfig } from '../net/proxy-config.js';
import { HEARTBEAT_SETTINGS } from './device-tool-settings.js';
import { VERSION } from '../version.js';
import { loadAgentConfig } from '../agent/agent-config.js';

export function registerHeartbeatCommand(program: Command): void {
  const command = program.command('heartbeat');
  for (const option of settingOptions(HEARTBEAT_SETTINGS)) command.addOption(option);
  command
    .description("Send one heartbeat for this device (for device processes other than the agent, or cron); exits non-zero if it fails.")
    .action(async (flags: { config?: string; heartbeatInterval: number; timeout: number; proxy?: string }) => {
      const config = loadAgentConfig(flags, process.env);
      const proxy = loadProxyConfig({ proxy: flags.proxy });
      const log = createLogger({ name: 'tunnel-heartbeat' }).child({ uuid: config.uuid });
      const ack = await sendHeartbeat({
        config,
        signer: deviceSigner(config.deviceApiKey),
        intervalMs: flags.heartbeatInterval,
        agentVersion: VERSION,
        timeoutMs: flags.timeout,
        proxy,
      });
      log.info({ freshForMs: ack.freshForMs }, 'heartbeat sent');
    });
}
