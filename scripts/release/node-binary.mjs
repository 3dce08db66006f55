// The Node.js executables a single executable application is made from, taken from the npm
// registry's node-linux-<arch> packages (the build has no access to nodejs.org) and cached, so a
// rebuild downloads nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';

/** The Node.js release the binaries embed: the engines field's line, the version CI runs. */
export const NODE_VERSION = '20.20.2';

/** Path of the cached `node` for linux-<arch>, fetched with `npm pack` on first use. */
export function nodeBinary(cacheDir, arch) {
  const dir = path.join(cacheDir, `node-linux-${arch}-${NODE_VERSION}`);
  const binary = path.join(dir, 'node');
  if (existsSync(binary)) return binary;
  mkdirSync(dir, { recursive: true });
  const spec = `node-linux-${arch}@${NODE_VERSION}`;
  const tarball = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', dir], { encoding: 'utf8' }).trim().split('\n').pop();
  const archive = path.join(dir, tarball);
  execFileSync('tar', ['-xzf', archive, '-C', dir, 'package/bin/node']);
  // Renamed last, so an interrupted download leaves no binary that looks complete.
  renameSync(path.join(dir, 'package/bin/node'), binary);
  rmSync(path.join(dir, 'package'), { recursive: true, force: true });
  rmSync(archive, { force: true });
  return binary;
}
