// Builds the device agent and developer CLI as one file that runs with plain `node`, no
// node_modules: what gets copied onto a device next to its config.json.
import path from 'node:path';
import { bundleClient, root } from './client-bundle.mjs';

const outfile = await bundleClient({ format: 'esm', outfile: path.join(root, 'packages/tunnel-client/bundle/tunnel-client.mjs') });
console.log(path.relative(process.cwd(), outfile));
