// Lets `npm start` and `npm test` work straight from a fresh clone: installs dependencies when
// they are missing (which also builds), otherwise brings the TypeScript build up to date.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function step(command, args) {
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`${command} ${args.join(' ')} failed (exit ${r.status ?? r.signal}); fix the error above and run it again`);
    process.exit(r.status ?? 1);
  }
}

// better-sqlite3 is compiled by node-gyp, which otherwise downloads Node's headers; build against
// the ones installed next to this node when they are there (machines without internet need it).
const prefix = path.resolve(path.dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(path.join(prefix, 'include', 'node', 'node.h'))) {
  process.env.npm_config_nodedir = prefix;
}

if (!existsSync(path.join(root, 'node_modules', '.package-lock.json'))) {
  console.error('Installing dependencies (first run)...');
  step(npm, ['ci', '--no-audit', '--no-fund']);
} else {
  step(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.json']);
}
