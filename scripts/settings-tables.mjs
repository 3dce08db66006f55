// Writes the settings tables generated from each program's settings table into
// docs/configuration.md, between their <!-- NAME --> and <!-- /NAME --> markers. `--check` only
// compares and exits 1 on drift; the same comparison runs in each package's tests.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const load = (file) => import(path.join(root, file));
const { replaceGeneratedBlock, settingsMarkdownTable } = await load('packages/protocol/dist/src/index.js');
const server = await load('packages/tunnel-server/dist/src/commands/start-settings.js');
const agent = await load('packages/tunnel-client/dist/src/commands/agent-settings.js');

const file = path.join(root, 'docs/configuration.md');
const before = readFileSync(file, 'utf8');
let after = replaceGeneratedBlock(before, server.START_SETTINGS_BLOCK, settingsMarkdownTable(server.START_SETTINGS));
after = replaceGeneratedBlock(after, agent.AGENT_SETTINGS_BLOCK, settingsMarkdownTable(agent.AGENT_SETTINGS));
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error(`${path.relative(root, file)} is out of date: run npm run docs:settings`);
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(file, after);
  console.log(`updated ${path.relative(root, file)}`);
}
