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
// No top-level await: the single executable runs this file bundled as CommonJS.
if (process.argv[2] === 'agent') runCli(program);
else void registerDeveloperCommands(program).then(() => runCli(program));

async function registerDeveloperCommands(cli: Command): Promise<void> {
  const [heartbeat, diagnose, login, device, ssh] = await Promise.all([
    import('./commands/heartbeat.js'),
    import('./commands/diagnose.js'),
    import('./commands/login.js'),
    import('./commands/device.js'),
    import('./commands/ssh.js'),
  ]);
  heartbeat.registerHeartbeatCommand(cli);
  diagnose.registerDiagnoseCommand(cli);
  login.registerLoginCommand(cli);
  device.registerDeviceCommands(cli);
  ssh.registerSshCommand(cli);
  registerCompletionCommand(cli);
}
