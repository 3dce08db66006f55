import { parseDurationArg } from '@tunnel/protocol/cli';
import { Option, type Command } from 'commander';
import { runDiagnosis } from '../diagnose/run-diagnosis.js';
import { formatCheckLine, formatSummary } from '../diagnose/report.js';
import { PROXY_OPTION_HELP } from '../net/proxy-config.js';
import { DEFAULT_CONFIG_FILE } from '../agent/agent-config.js';

interface DiagnoseFlags {
  config?: string;
  json?: boolean;
  proxy?: string;
  timeout: number;
}

export function registerDiagnoseCommand(program: Command): void {
  program
    .command('diagnose')
    .summary("Check this device's network path to the server, one line per check with the remedy.")
    .description(
      "Check this device's path to the server step by step: config, DNS, TCP (through the proxy when set), TLS chain and issuer, " +
        'certificate dates against the local clock, clock offset to the server, WebSocket upgrade, authentication and a round trip. ' +
        'One line per check with PASS, WARN, FAIL or SKIP and what to do; exits 1 when any check fails. ' +
        "A running agent is asked for its state over its control socket, and the authentication check connects as a probe the server does not let replace the agent's session, so streams through the agent are not disturbed.",
    )
    .option('--config <file>', `device config.json (default $TUNNEL_CONFIG or ${DEFAULT_CONFIG_FILE})`)
    .option('--json', 'print a JSON array of checks {name, status, detail, remedy, code, durationMs} instead of lines')
    .option('--proxy <url>', PROXY_OPTION_HELP)
    .addOption(new Option('--timeout <duration>', 'time each network check may take').default(10_000, '10s').argParser(parseDurationArg))
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
