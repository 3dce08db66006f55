import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Command } from 'commander';
import { replaceGeneratedBlock, settingsMarkdownTable } from '@tunnel/protocol/cli';
import { agentKeys } from '../src/agent/device-config.js';
import { AGENT_SETTINGS, AGENT_SETTINGS_BLOCK, agentOptions } from '../src/commands/agent-settings.js';
import { CONNECTION_SETTINGS, CONNECTION_SETTINGS_BLOCK } from '../src/commands/connection-options.js';
import { registerDeviceCommands } from '../src/commands/device.js';
import { registerDiagnoseCommand } from '../src/commands/diagnose.js';
import { registerHeartbeatCommand } from '../src/commands/heartbeat.js';
import { registerSshCommand } from '../src/commands/ssh.js';
import { DIAGNOSE_SETTINGS, DIAGNOSE_SETTINGS_BLOCK, HEARTBEAT_SETTINGS, HEARTBEAT_SETTINGS_BLOCK } from '../src/commands/device-tool-settings.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

describe('tunnel-client agent: one settings table', () => {
  it('docs/configuration.md holds the tables generated from it and from the other commands\' tables (npm run docs:settings)', () => {
    const doc = readFileSync(path.join(root, 'docs/configuration.md'), 'utf8');
    for (const [block, rows] of [
      [AGENT_SETTINGS_BLOCK, AGENT_SETTINGS],
      [HEARTBEAT_SETTINGS_BLOCK, HEARTBEAT_SETTINGS],
      [DIAGNOSE_SETTINGS_BLOCK, DIAGNOSE_SETTINGS],
      [CONNECTION_SETTINGS_BLOCK, CONNECTION_SETTINGS],
    ] as const) {
      expect(replaceGeneratedBlock(doc, block, settingsMarkdownTable(rows)), `docs/configuration.md block ${block} is out of date: run npm run docs:settings`).to.equal(doc);
    }
  });

  it('builds every flag of heartbeat, diagnose and the developer commands from their tables', () => {
    const program = new Command();
    registerHeartbeatCommand(program);
    registerDiagnoseCommand(program);
    registerDeviceCommands(program);
    registerSshCommand(program);
    for (const [path, rows] of [
      [['heartbeat'], HEARTBEAT_SETTINGS],
      [['diagnose'], DIAGNOSE_SETTINGS],
      [['device', 'tunnel'], CONNECTION_SETTINGS],
      [['ssh'], CONNECTION_SETTINGS],
    ] as const) {
      const command = path.reduce((c: Command, name) => c.commands.find((s) => s.name() === name)!, program);
      expect(command.options.map((o) => o.flags), path.join(' ')).to.include.members(rows.map((r) => r.flag));
    }
  });

  it('has a row for every config.json key the agent reads, with its environment variable', () => {
    for (const [key, env] of Object.entries(agentKeys)) {
      expect(AGENT_SETTINGS.find((s) => s.key === key), key).to.deep.include({ env });
    }
  });

  it('builds the agent flags with their defaults and parsers', () => {
    const command = new Command().exitOverride();
    for (const option of agentOptions()) command.addOption(option);
    command.parse(['--allow-target', '10.0.0.5:22', '--allow-target', '10.0.0.6:*', '--backoff-cap', '2s', '--no-heartbeat'], { from: 'user' });
    expect(command.opts()).to.deep.include({
      allowTarget: ['10.0.0.5:22', '10.0.0.6:*'],
      backoffBase: 1000,
      backoffCap: 2000,
      stableAfter: 30_000,
      heartbeat: false,
      heartbeatInterval: 30_000,
      watchInterval: 5_000,
    });
  });
});
