import { checkTranscriptSignature, collect, createLogger, deviceSigner, parseDurationArg } from '@tunnel/protocol';
import { Option, type Command } from 'commander';
import { Agent } from '../agent/agent.js';
import { HeartbeatLoop } from '../agent/heartbeat.js';
import { loadProxyConfig, PROXY_OPTION_HELP } from '../net/proxy-config.js';
import { DEFAULT_CONFIG_FILE, loadAgentConfig, type AgentConfigFlags } from '../agent/agent-config.js';
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
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('Run the device agent: keep a tunnel to the server and serve streams to ports on this device.')
    .option('--config <file>', `device config.json (default $TUNNEL_CONFIG or ${DEFAULT_CONFIG_FILE})`)
    .option('--uuid <uuid>', 'override the device uuid')
    .option('--vpn-endpoint <host>', 'override the server host (vpnEndpoint)')
    .option('--vpn-port <port>', 'override the server port (vpnPort, 443 when absent)')
    .option('--api-endpoint <url>', 'override the HTTPS API base URL (apiEndpoint)')
    .option('--allow-target <host:ports>', 'also serve this target, e.g. 192.168.1.0/24:22,80 (repeatable; adds to allowedTargets)', collect)
    .option('--proxy <url>', PROXY_OPTION_HELP)
    .addOption(new Option('--backoff-base <duration>', 'first reconnect delay bound').default(1000, '1s').argParser(parseDurationArg))
    .addOption(new Option('--backoff-cap <duration>', 'largest reconnect delay bound').default(60_000, '60s').argParser(parseDurationArg))
    .addOption(new Option('--stable-after <duration>', 'a session this long resets the backoff').default(30_000, '30s').argParser(parseDurationArg))
    .addOption(new Option('--keepalive-interval <duration>', 'ping the server this often').default(15_000, '15s').argParser(parseDurationArg))
    .addOption(new Option('--keepalive-timeout <duration>', 'a ping unanswered this long drops the link').default(30_000, '30s').argParser(parseDurationArg))
    .addOption(new Option('--connect-timeout <duration>', 'time for connect + TLS + upgrade, and for authentication').default(15_000, '15s').argParser(parseDurationArg))
    .addOption(new Option('--heartbeat-interval <duration>', 'send a heartbeat (HTTPS, apart from the tunnel) this often').default(60_000, '60s').argParser(parseDurationArg))
    .option('--no-heartbeat', 'send no heartbeats (another device process sends them)')
    .action(async (flags: AgentFlags) => {
      const config = loadAgentConfig(flags, process.env);
      const proxy = loadProxyConfig({ proxy: flags.proxy });
      const log = createLogger({ name: 'tunnel-agent' }).child({ uuid: config.uuid });
      const signer = deviceSigner(config.deviceApiKey);
      const agent = new Agent({
        config,
        signer,
        verify: checkTranscriptSignature,
        agentVersion: VERSION,
        reconnect: { backoff: { baseMs: flags.backoffBase, capMs: flags.backoffCap }, stableAfterMs: flags.stableAfter },
        connectTimeoutMs: flags.connectTimeout,
        dialTimeoutMs: 10_000,
        yamux: { keepAliveInterval: flags.keepaliveInterval, keepAliveTimeout: flags.keepaliveTimeout },
        proxy,
        log,
      });
      const heartbeat = flags.heartbeat
        ? new HeartbeatLoop({ config, signer, intervalMs: flags.heartbeatInterval, agentVersion: VERSION, timeoutMs: flags.connectTimeout, proxy }, log.child({ part: 'heartbeat' }))
        : null;
      const shutdown = (signal: string): void => {
        log.info({ signal }, 'stopping');
        heartbeat?.stop();
        agent.stop().then(() => process.exit(0), () => process.exit(1));
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      agent.start();
      heartbeat?.start();
    });
}
