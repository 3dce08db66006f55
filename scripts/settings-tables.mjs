// Writes the settings tables generated from each program's settings table into
// docs/configuration.md, between their <!-- NAME --> and <!-- /NAME --> markers. `--check` only
// compares and exits 1 on drift; the same comparison runs in each package's tests.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (file) => import(path.join(root, file));
const { replaceGeneratedBlock, settingsMarkdownTable } = await load('packages/protocol/dist/src/cli.js');
const server = await load('packages/tunnel-server/dist/src/commands/start-settings.js');
const agent = await load('packages/tunnel-client/dist/src/commands/agent-settings.js');
const tools = await load('packages/tunnel-client/dist/src/commands/device-tool-settings.js');
const developer = await load('packages/tunnel-client/dist/src/commands/connection-options.js');

const file = path.join(root, 'docs/configuration.md');
const before = readFileSync(file, 'utf8');
const blocks = [
  [server.START_SETTINGS_BLOCK, server.START_SETTINGS],
  [agent.AGENT_SETTINGS_BLOCK, agent.AGENT_SETTINGS],
  [tools.HEARTBEAT_SETTINGS_BLOCK, tools.HEARTBEAT_SETTINGS],
  [tools.DIAGNOSE_SETTINGS_BLOCK, tools.DIAGNOSE_SETTINGS],
  [developer.CONNECTION_SETTINGS_BLOCK, developer.CONNECTION_SETTINGS],
];
const after = blocks.reduce((text, [name, rows]) => replaceGeneratedBlock(text, name, settingsMarkdownTable(rows)), before);
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error(`${path.relative(root, file)} is out of date: run npm run docs:settings`);
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(file, after);
  console.log(`updated ${path.relative(root, file)}`);
}
