// Writes the settings tables generated from each program's settings table into the docs, between
// their <!-- NAME --> and <!-- /NAME --> markers. `--check` only compares and exits 1 on drift.
// The same comparison runs in the test suite (packages/tunnel-server/test/start-settings.test.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { replaceGeneratedBlock, START_SETTINGS_BLOCK, settingsMarkdownTable } = await import(
  path.join(root, 'packages/tunnel-server/dist/src/commands/start-settings.js')
);

const file = path.join(root, 'docs/configuration.md');
const before = readFileSync(file, 'utf8');
const after = replaceGeneratedBlock(before, START_SETTINGS_BLOCK, settingsMarkdownTable());
if (process.argv.includes('--check')) {
  if (after !== before) {
    console.error(`${path.relative(root, file)} is out of date: run npm run docs:settings`);
    process.exit(1);
  }
} else if (after !== before) {
  writeFileSync(file, after);
  console.log(`updated ${path.relative(root, file)}`);
}
