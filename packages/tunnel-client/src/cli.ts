#!/usr/bin/env node
import { Command } from 'commander';
import { errorCode } from '@tunnel/protocol';
import { registerAgentCommand } from './commands/agent.js';
import { registerHeartbeatCommand } from './commands/heartbeat.js';
import { registerDiagnoseCommand } from './commands/diagnose.js';
import { registerDeviceCommands } from './commands/device.js';
import { registerLoginCommand } from './commands/login.js';
import { VERSION } from './version.js';

const program = new Command('tunnel-client')
  .description('Device agent and developer CLI of the reverse tunnel.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)');

registerAgentCommand(program);
registerHeartbeatCommand(program);
registerDiagnoseCommand(program);
registerLoginCommand(program);
registerDeviceCommands(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`tunnel-client: ${message}${code ? ` [${code}]` : ''}\n`);
  process.exit(1);
});
