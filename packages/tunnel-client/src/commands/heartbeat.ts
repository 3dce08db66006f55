import { deviceSigner } from '@tunnel/protocol/auth';
import { parseDurationArg } from '@tunnel/protocol/cli';
import { createLogger } from '@tunnel/protocol/log';
import { Option, type Command } from 'commander';
import { sendHeartbeat } from '../agent/heartbeat.js';
import { loadProxyConfig, PROXY_OPTION_HELP } from '../net/proxy-config.js';
import { VERSION } from '../version.js';
import { loadAgentConfig } from '../agent/agent-config.js';

export function registerHeartbeatCommand(program: Command): void {
  program
    .command('heartbeat')
    .description("Send one heartbeat for this device (for device processes other than the agent, or cron); exits non-zero if it fails.")
    .option('--config <file>', 'device config.json (default $TUNNEL_CONFIG or /mnt/boot/config.json)')
    .addOption(
      new Option('--heartbeat-interval <duration>', 'when the next heartbeat will come; the device counts as fresh for 1.5 x this').default(60_000, '60s').argParser(parseDurationArg),
    )
    .addOption(new Option('--timeout <duration>', 'give up after this long').default(15_000, '15s').argParser(parseDurationArg))
    .option('--proxy <url>', PROXY_OPTION_HELP)
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
