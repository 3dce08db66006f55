import { readFileSync } from 'node:fs';
import { CodedError } from '@tunnel/protocol/errors';
import { createLogger } from '@tunnel/protocol/log';
import type { Command } from 'commander';
import { useRelayHeapGrowth } from '../heap-growth.js';
import { TunnelServer, type ServerSettings } from '../server.js';
import { applyFileSettings, applyFlagSettings, CONFIG_OPTION_HELP, startOptions } from './start-settings.js';
import { ServerConfigErrorCode } from './command-errors.js';

function readServerConfig(file: string): Partial<ServerSettings> {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CodedError(ServerConfigErrorCode.Unreadable, `cannot read server config ${file}: ${(err as Error).message}`);
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw new CodedError(ServerConfigErrorCode.Invalid, `server config ${file} must hold a JSON object`);
  return applyFileSettings(file, data as Record<string, unknown>);
}

export function registerStartCommand(program: Command): void {
  const command = program
    .command('start')
    .description('Run the server: HTTPS and WebSocket listener for devices and developers (port 443 by default).')
    .option('--config <file>', CONFIG_OPTION_HELP);
  for (const option of startOptions()) command.addOption(option);
  command
    .action(async (flags: { config?: string; data: string } & Record<string, unknown>, cmd: Command) => {
      const fromFile = flags.config ? readServerConfig(flags.config) : {};
      const settings: Partial<ServerSettings> = { ...fromFile };
      // --data has a default; only an explicit flag (or env) beats the config file.
      if (cmd.getOptionValueSource('data') !== 'default' || settings.dataDir === undefined) settings.dataDir = flags.data;
      applyFlagSettings(flags, settings);
      if ((settings.certFile === undefined) !== (settings.keyFile === undefined)) {
        throw new CodedError(ServerConfigErrorCode.Invalid, '--cert and --key go together: give both, or neither for the development CA');
      }
      const log = createLogger({ name: 'tunnel-server' });
      useRelayHeapGrowth();
      const server = await TunnelServer.start(settings, log);
      server.guard.installProcessHandler();
      let signals = 0;
      const shutdown = (signal: string): void => {
        signals += 1;
        if (signals > 1) {
          log.warn({ signal }, 'second signal: exiting without waiting for the drain');
          process.exit(1);
        }
        log.info({ signal }, 'shutting down');
        server.stop().then(
          () => process.exit(0),
          (err: Error) => {
            log.error({ err }, 'shutdown failed');
            process.exit(1);
          },
        );
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      process.on('SIGHUP', () => void server.certificates.reload('SIGHUP'));
    });
}
