// `npm run release`: the device agent and developer CLI (tunnel-client) as single executables for
// linux-x64 and linux-arm64, each a Node.js binary carrying the bundled client, with SHA256SUMS.
// Build the workspaces first (npm run release does). `--arch x64` builds one arch only.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleClient, root } from './client-bundle.mjs';
import { NODE_VERSION, nodeBinary } from './release/node-binary.mjs';
import { injectBlob, prepareBlob } from './release/single-executable.mjs';

const ARCHES = ['x64', 'arm64'];
const releaseDir = path.join(root, 'release');
const workDir = path.join(releaseDir, 'work');
const cacheDir = path.join(root, 'node_modules/.cache/tunnel-release');

const { values } = parseArgs({ options: { arch: { type: 'string', multiple: true, default: ARCHES } } });
const unknown = values.arch.filter((a) => !ARCHES.includes(a));
if (unknown.length > 0) {
  console.error(`release: unknown --arch ${unknown.join(', ')}; choose from ${ARCHES.join(', ')}`);
  process.exit(2);
}
if (process.platform !== 'linux' || !ARCHES.includes(process.arch)) {
  console.error(`release: build on linux-x64 or linux-arm64 (the blob is prepared by the target Node.js release running here), not ${process.platform}-${process.arch}`);
  process.exit(1);
}

rmSync(releaseDir, { recursive: true, force: true });
mkdirSync(workDir, { recursive: true });
const script = await bundleClient({ format: 'cjs', outfile: path.join(workDir, 'tunnel-client.cjs') });
const blob = prepareBlob({ blobNode: nodeBinary(cacheDir, process.arch), script, workDir });

const sums = [];
for (const arch of values.arch) {
  const name = `tunnel-client-linux-${arch}`;
  const output = path.join(releaseDir, name);
  injectBlob({ node: nodeBinary(cacheDir, arch), blob, output });
  sums.push(`${createHash('sha256').update(readFileSync(output)).digest('hex')}  ${name}\n`);
  console.log(`${path.relative(process.cwd(), output)} (Node.js ${NODE_VERSION}, ${(readFileSync(output).length / 1e6).toFixed(1)} MB)`);
}
writeFileSync(path.join(releaseDir, 'SHA256SUMS'), sums.join(''));
rmSync(workDir, { recursive: true, force: true });
