// Node.js release binaries carry their symbol table and some DWARF (~13 MB of 99): nothing a
// device runs needs them (the dynamic symbols add-ons link against stay), so releases drop them.
import { execFileSync } from 'node:child_process';

/** GNU strip for each target, as Debian's binutils-<arch>-linux-gnu packages install it. */
const STRIP = { x64: 'x86_64-linux-gnu-strip', arm64: 'aarch64-linux-gnu-strip' };

/** Writes `output`: `node` without its static symbol table and debug sections. */
export function stripInto(node, output, arch) {
  const tool = STRIP[arch];
  try {
    execFileSync(tool, ['--strip-all', '-o', output, node], { stdio: 'pipe' });
  } catch (err) {
    const why = err.code === 'ENOENT' ? `${tool} is not installed (Debian: apt-get install binutils-${tool.replace(/-strip$/, '').replaceAll('_', '-')})` : String(err.stderr || err.message).trim();
    throw new Error(`cannot strip the linux-${arch} node binary: ${why}`);
  }
}
