import { settingOptions } from '@tunnel/protocol/cli';
import type { Command } from 'commander';
import { runDiagnosis } from '../diagnose/run-diagnosis.js';
import { formatCheckLine, formatSummary } from '../diagnose/report.js';
import { DIAGNOSE_SETTINGS } from './device-tool-settings.js';

interface DiagnoseFlags {
  config?: string;
  json?: boolean;
  proxy?: string;
  timeout: number;
}

export function registerDiagnoseCommand(program: Command): void {
  const command = program.command('diagnose');
  for (const option of settingOptions(DIAGNOSE_SETTINGS)) command.addOption(option);
  command
    .summary("Check this device's network path to the server, one line per check with the remedy.")
    .description(
      "Check this device's path to the server step by step: config, DNS, TCP (through the proxy when set), TLS chain and issuer, " +
        'certificate dates against the local clock, clock offset to the server, WebSocket upgrade, authentication and a round trip. ' +
        'One line per check with PASS, WARN, FAIL or SKIP and what to do; exits 1 when any check fails. ' +
        "A running agent is asked for its state over its control socket, and the authentication check connects as a probe the server does not let replace the agent's session, so streams through the agent are not disturbed.",
    )
    .action(async (flags: DiagnoseFlags) => {
      const options = {
        ...(flags.config !== undefined ? { configFile: flags.config } : {}),
        ...(flags.proxy !== undefined ? { proxy: flags.proxy } : {}),
        env: process.env,
        timeoutMs: flags.timeout,
      };
      const results = await runDiagnosis(options, (result) => {
        if (!flags.json) process.stdout.write(`${formatCheckLine(result)}\n`);
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
      else process.stdout.write(`${formatSummary(results)}\n`);
      process.exitCode = results.some((r) => r.status === 'FAIL') ? 1 : 0;
    });
}
