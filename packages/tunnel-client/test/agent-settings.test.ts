import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { Command } from 'commander';
import { replaceGeneratedBlock, settingsMarkdownTable } from '@tunnel/protocol/cli';
import { agentKeys } from '../src/agent/device-config.js';
import { AGENT_SETTINGS, AGENT_SETTINGS_BLOCK, agentOptions } from '../src/commands/agent-settings.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');

describe('tunnel-client agent: one settings table', () => {
  it('docs/configuration.md holds the table generated from it (npm run docs:settings)', () => {
    const doc = readFileSync(path.join(root, 'docs/configuration.md'), 'utf8');
    expect(replaceGeneratedBlock(doc, AGENT_SETTINGS_BLOCK, settingsMarkdownTable(AGENT_SETTINGS)), 'docs/configuration.md is out of date: run npm run docs:settings').to.equal(doc);
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
