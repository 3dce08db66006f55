// esbuild settings shared by the plain-node bundle (ESM, scripts/bundle.mjs) and the single
// executables (CommonJS, scripts/release.mjs): the client CLI with all of node_modules inlined.
import { build } from 'esbuild';
import { chmodSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const BANNERS = {
  // Bundled CommonJS dependencies call require() for Node built-ins.
  esm: "import { createRequire as __createRequire } from 'node:module';\nconst require = __createRequire(import.meta.url);",
  // A single executable runs its script as CommonJS, where import.meta is empty; createRequire()
  // (protocol's lazy node-forge) needs a real file URL.
  cjs: "const __importMetaUrl = require('node:url').pathToFileURL(__filename).href;",
};

const CJS_DEFINES = {
  'import.meta.url': '__importMetaUrl',
  // A single executable's require() loads built-ins only, and warns on anything else: ws's optional
  // native add-ons can never load there, so ws is told not to try.
  'process.env.WS_NO_BUFFER_UTIL': '"1"',
  'process.env.WS_NO_UTF_8_VALIDATE': '"1"',
};

/** Bundles packages/tunnel-client/dist/src/cli.js (build it first) into one executable file. */
export async function bundleClient({ format, outfile }) {
  mkdirSync(path.dirname(outfile), { recursive: true });
  await build({
    entryPoints: [path.join(root, 'packages/tunnel-client/dist/src/cli.js')],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format,
    minify: false,
    legalComments: 'none',
    // ws loads these native speed-ups only if present; the bundle works without them.
    external: ['bufferutil', 'utf-8-validate'],
    banner: { js: BANNERS[format] },
    define: format === 'cjs' ? CJS_DEFINES : {},
    logLevel: 'warning',
  });
  chmodSync(outfile, 0o755);
  return outfile;
}
