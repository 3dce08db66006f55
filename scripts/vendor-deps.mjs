// npm pack of a workspace bundles only what physically sits in the package's own node_modules, and
// in a workspace everything is hoisted to the root (and @tunnel/protocol is not on any registry).
// Run as the package's prepack, this copies the package's bundleDependencies and everything they
// need into its node_modules, so the tarball installs with `npm install -g` on a machine with only
// Node; postpack (--remove) takes exactly those copies away again.
import { cpSync, existsSync, mkdirSync, readFileSync, realpathSync, rmSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const pkgDir = process.cwd();
const modules = path.join(pkgDir, 'node_modules');
const ledger = path.join(modules, '.vendored.json');

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'));
}

/** Node's lookup: <dir>/node_modules/<name>, then each parent directory's. */
function resolvePackage(name, fromDir) {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return realpathSync(candidate);
    if (path.dirname(dir) === dir) throw new Error(`vendor-deps: cannot find ${name} from ${fromDir}; run npm ci first`);
  }
}

/** A workspace package (not under node_modules) is copied as npm would pack it: package.json and its `files`. */
function copyPackage(source, target) {
  if (source.split(path.sep).includes('node_modules')) {
    cpSync(source, target, { recursive: true, dereference: true });
    return;
  }
  const manifest = readJson(path.join(source, 'package.json'));
  if (!Array.isArray(manifest.files)) throw new Error(`vendor-deps: workspace package ${manifest.name} needs a "files" field`);
  mkdirSync(target, { recursive: true });
  for (const entry of ['package.json', ...manifest.files]) cpSync(path.join(source, entry), path.join(target, entry), { recursive: true, dereference: true });
}

function vendor() {
  const manifest = readJson(path.join(pkgDir, 'package.json'));
  const wanted = manifest.bundleDependencies ?? [];
  const added = [];
  const queue = wanted.map((name) => ({ name, fromDir: pkgDir }));
  const done = new Set();
  while (queue.length > 0) {
    const { name, fromDir } = queue.shift();
    const source = resolvePackage(name, fromDir);
    if (done.has(source)) continue;
    done.add(source);
    const target = path.join(modules, name);
    if (existsSync(target)) {
      const have = readJson(path.join(target, 'package.json')).version;
      const need = readJson(path.join(source, 'package.json')).version;
      if (have !== need) throw new Error(`vendor-deps: ${name} is needed at ${need} and ${have}; a flat bundle cannot hold both`);
      continue;
    }
    copyPackage(source, target);
    added.push(name);
    const deps = readJson(path.join(source, 'package.json'));
    for (const dep of Object.keys({ ...deps.dependencies, ...deps.optionalDependencies })) {
      if (deps.optionalDependencies?.[dep] !== undefined) {
        try {
          resolvePackage(dep, source);
        } catch {
          continue;
        }
      }
      queue.push({ name: dep, fromDir: source });
    }
  }
  writeFileSync(ledger, JSON.stringify(added, null, 2) + '\n');
  cpSync(path.resolve(pkgDir, '../../LICENSE'), path.join(pkgDir, 'LICENSE'));
}

function remove() {
  if (existsSync(ledger)) {
    for (const name of readJson(ledger)) rmSync(path.join(modules, name), { recursive: true, force: true });
    rmSync(ledger);
    for (const scope of readdirSync(modules).filter((e) => e.startsWith('@'))) {
      if (readdirSync(path.join(modules, scope)).length === 0) rmSync(path.join(modules, scope), { recursive: true });
    }
    if (readdirSync(modules).length === 0) rmSync(modules, { recursive: true });
  }
  rmSync(path.join(pkgDir, 'LICENSE'), { force: true });
}

if (process.argv.includes('--remove')) remove();
else {
  if (existsSync(ledger)) remove();
  vendor();
}
