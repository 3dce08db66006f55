// Turns a CommonJS script into a Node.js single executable application (Node 20's
// --experimental-sea-config plus postject), the way the Node.js docs describe it.
import { execFileSync } from 'node:child_process';
import { copyFileSync, chmodSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

/** The fuse node checks to find out whether it carries an application (from the Node.js docs). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
const POSTJECT_CLI = createRequire(import.meta.url).resolve('postject/dist/cli.js');

/**
 * Prepares the blob with `blobNode`, a binary of the same Node.js version as the targets that runs
 * on this machine. The blob carries no code cache or snapshot, so one blob serves every arch.
 */
export function prepareBlob({ blobNode, script, workDir }) {
  const blob = path.join(workDir, `${path.basename(script)}.blob`);
  const config = path.join(workDir, 'sea-config.json');
  writeFileSync(config, JSON.stringify({ main: script, output: blob, disableExperimentalSEAWarning: true }));
  execFileSync(blobNode, ['--experimental-sea-config', config], { stdio: 'pipe' });
  return blob;
}

/** Writes `output`: a copy of `node` with the blob injected. */
export function injectBlob({ node, blob, output }) {
  copyFileSync(node, output);
  chmodSync(output, 0o755);
  // postject's ELF writer prints harmless "Can't find string offset" warnings for Node's note
  // sections; its output only matters when it fails, and then execFileSync's error carries it.
  execFileSync(process.execPath, [POSTJECT_CLI, output, 'NODE_SEA_BLOB', blob, '--sentinel-fuse', SEA_FUSE], { stdio: 'pipe' });
}
