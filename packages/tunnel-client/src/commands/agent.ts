import { checkTranscriptSignature, deviceSigner } from '@tunnel/protocol/auth';
import { createLogger } from '@tunnel/protocol/log';
import type { Command } from 'commander';
import { Agent } from '../agent/agent.js';
import { controlSocketPath } from '../agent/control-socket.js';
import { HeartbeatLoop } from '../agent/heartbeat.js';
import { startLocalControl } from '../agent/local-control.js';
import { loadProxyConfig } from '../net/proxy-config.js';
import { loadAgentConfig, type AgentConfigFlags } from '../agent/agent-config.js';
import { agentOptions } from './agent-settings.js';
import { VERSION } from '../version.js';

interface AgentFlags extends AgentConfigFlags {
  proxy?: string;
  backoffBase: number;
  backoffCap: number;
  keepaliveInterval: number;
  keepaliveTimeout: number;
  connectTimeout: number;
  stableAfter: number;
  heartbeat: boolean;
  heartbeatInterval: number;
  watchInterval: number;
  controlSocket?: string;
}

export function registerAgentCommand(program: Command): void {
  const command = program
    .command('agent')
    .description('Run the device agent: keep a tunnel to the server and serve streams to ports on this device.');
  for (const option of agentOptions()) command.addOption(option);
  command
    .action(async (flags: AgentFlags) => {
      const config = loadAgentConfig(flags, process.env);
      const proxy = loadProxyConfig({ proxy: flags.proxy });
      const log = createLogger({ name: 'tunnel-agent' }).child({ uuid: config.uuid });
      const signer = deviceSigner(config.deviceApiKey);
      const backoff = { baseMs: flags.backoffBase, capMs: flags.backoffCap };
      const agent = new Agent({
        config,
        signer,
        verify: checkTranscriptSignature,
        agentVersion: VERSION,
        reconnect: { backoff, stableAfterMs: flags.stableAfter },
        connectTimeoutMs: flags.connectTimeout,
        dialTimeoutMs: 10_000,
        yamux: { keepAliveInterval: flags.keepaliveInterval, keepAliveTimeout: flags.keepaliveTimeout },
        proxy,
        log,
      });
      const heartbeat = flags.heartbeat
        ? new HeartbeatLoop(
            { config, signer, intervalMs: flags.heartbeatInterval, agentVersion: VERSION, timeoutMs: flags.connectTimeout, proxy, retry: backoff },
            log.child({ part: 'heartbeat' }),
          )
        : null;
      const stopControl = await startLocalControl({
        agent,
        heartbeat,
        uuid: config.uuid,
        version: VERSION,
        watchIntervalMs: flags.watchInterval,
        socketFile: flags.controlSocket ?? controlSocketPath(config.uuid, process.env),
        log,
      });
      const shutdown = (signal: string): void => {
        log.info({ signal }, 'stopping');
        heartbeat?.stop();
        stopControl();
        agent.stop().then(() => process.exit(0), () => process.exit(1));
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      agent.start();
      heartbeat?.start();
    });
}
