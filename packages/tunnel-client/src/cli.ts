#!/usr/bin/env node
import { Command } from 'commander';
import { exitQuietlyWhenStdoutCloses, registerCompletionCommand, runCli } from '@tunnel/protocol/cli';
import { registerAgentCommand } from './commands/agent.js';
import { VERSION } from './version.js';

exitQuietlyWhenStdoutCloses();

const program = new Command('tunnel-client')
  .description('Device agent and developer CLI of the reverse tunnel.')
  .version(VERSION)
  .showHelpAfterError('(run with --help for usage)');

registerAgentCommand(program);
// The agent runs for months on small devices and needs none of the developer commands; loading
// them (and what they import) only for other command lines keeps megabytes out of its RSS.
if (process.argv[2] !== 'agent') {
  const [heartbeat, diagnose, login, device, ssh] = await Promise.all([
    import('./commands/heartbeat.js'),
    import('./commands/diagnose.js'),
    import('./commands/login.js'),
    import('./commands/device.js'),
    import('./commands/ssh.js'),
  ]);
  heartbeat.registerHeartbeatCommand(program);
  diagnose.registerDiagnoseCommand(program);
  login.registerLoginCommand(program);
  device.registerDeviceCommands(program);
  ssh.registerSshCommand(program);
  registerCompletionCommand(program);
}

runCli(program);
