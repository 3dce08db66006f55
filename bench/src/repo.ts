import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this module's place in bench/dist/src (or bench/src under a loader). */
export function repoRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const parts = here.split(path.sep);
  const bench = parts.lastIndexOf('bench');
  if (bench < 0) throw new Error(`cannot find the repository root from ${here}`);
  return parts.slice(0, bench).join(path.sep) || path.sep;
}
