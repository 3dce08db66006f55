// Builds the device agent and developer CLI as one file that runs with plain `node`, no
// node_modules: what gets copied onto a device next to its config.json.
import { build } from 'esbuild';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outfile = path.join(root, 'packages/tunnel-client/bundle/tunnel-client.mjs');
mkdirSync(path.dirname(outfile), { recursive: true });

await build({
  entryPoints: [path.join(root, 'packages/tunnel-client/dist/src/cli.js')],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minify: false,
  legalComments: 'none',
  // ws loads these native speed-ups only if present; the bundle works without them.
  external: ['bufferutil', 'utf-8-validate'],
  banner: {
    // Bundled CommonJS dependencies call require() for Node built-ins.
    js: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});
chmodSync(outfile, 0o755);
console.log(path.relative(process.cwd(), outfile));
