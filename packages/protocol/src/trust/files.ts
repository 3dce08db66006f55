import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { TrustError, TrustErrorCode } from './errors.js';

/** Private keys: readable by the service's own user only. */
export const PRIVATE_FILE_MODE = 0o600;
export const PUBLIC_FILE_MODE = 0o644;

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  return e.code ? `${e.code}: ${e.message}` : String(e?.message ?? err);
}

function unwritable(target: string, err: unknown): TrustError {
  return new TrustError(
    TrustErrorCode.DataDirUnwritable,
    `cannot write ${target} (${describe(err)}); choose a writable data directory (--data) or fix its ownership and permissions`,
    { path: target },
    { cause: err },
  );
}

export async function ensureDirectory(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw unwritable(dir, err);
  }
}

/** The file's text, or undefined when it does not exist (the "first start" case). */
export async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new TrustError(
      TrustErrorCode.FileUnreadable,
      `cannot read ${file} (${describe(err)}); run as the user that owns the data directory, or fix the file's permissions`,
      { path: file },
      { cause: err },
    );
  }
}

/**
 * Writes through a temporary file in the same directory and renames it into place, so a crash
 * never leaves a half-written key or certificate that the next start would call corrupt. The
 * mode is set on the temporary file before any secret is in it, and again explicitly because
 * the process umask could otherwise narrow or (with open()'s default) widen it.
 * @param exclusive fail with EEXIST instead of replacing an existing file (link, not rename).
 */
export async function writeFileAtomic(file: string, data: string, mode: number, exclusive = false): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  try {
    const handle = await fs.open(tmp, 'wx', mode);
    try {
      await handle.chmod(mode);
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    if (exclusive) {
      await fs.link(tmp, file);
      await fs.unlink(tmp);
    } else {
      await fs.rename(tmp, file);
    }
  } catch (err) {
    await fs.rm(tmp, { force: true }).catch(() => undefined);
    if (exclusive && (err as NodeJS.ErrnoException).code === 'EEXIST') throw err;
    throw unwritable(file, err);
  }
}

/** Narrows a key file left group- or world-readable (copied around, restored from a backup). */
export async function restrictToOwner(file: string): Promise<void> {
  try {
    const stat = await fs.stat(file);
    if ((stat.mode & 0o077) !== 0) await fs.chmod(file, stat.mode & 0o700);
  } catch (err) {
    throw unwritable(file, err);
  }
}
