#!/usr/bin/env node
import { Command } from 'commander';
import { exitQuietlyWhenStdoutCloses, registerCompletionCommand, runCli } from '@tunnel/protocol/cli';
import { registerAuditCommand } from './commands/audit.js';
import { registerCaCommand } from './commands/ca.js';
import { registerDeviceCommands } from './commands/device.js';
import { registerFleetCommands } from './commands/fleet.js';
import { registerInitCommand } from './commands/init.js';
import { registerSshKeyCommand } from './commands/ssh-key.js';
import { registerStartCommand } from './commands/start.js';
import { registerSupportCommands } from './commands/support.js';
import { registerUserCommands } from './commands/user.js';
import { VERSION } from './version.js';

exitQuietlyWhenStdoutCloses();

const program = new Command('tunnel-server')
  .description('Reverse-tunnel server: devices dial in over a TLS WebSocket; people forward ports to them.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)');

registerStartCommand(program);
registerInitCommand(program);
registerDeviceCommands(program);
registerUserCommands(program);
registerFleetCommands(program);
registerSupportCommands(program);
registerAuditCommand(program);
registerCaCommand(program);
registerSshKeyCommand(program);
registerCompletionCommand(program);

runCli(program);
