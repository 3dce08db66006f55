import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from './processes.js';

/** Debian's libfaketime (package faketime) lives under the multiarch directory of the machine. */
export function libfaketimePath(): string {
  const candidates = readdirSync('/usr/lib', { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => path.join('/usr/lib', d.name, 'faketime', 'libfaketime.so.1'));
  const found = [...candidates, '/usr/lib/faketime/libfaketime.so.1'].find((p) => existsSync(p));
  if (!found) throw new Error('libfaketime.so.1 not found: install the Debian package faketime');
  return found;
}

/**
 * The environment Debian's `faketime` command sets up (libfaketime preloaded, FAKETIME), without
 * the wrapper process it forks: the agent stays the test's direct child, so signals reach it.
 * `@2017-03-23 12:00:00` starts the clock there and lets it run on. Monotonic time stays real,
 * so node's timers (the backoff) behave.
 */
export function fakeClockEnv(spec: string): NodeJS.ProcessEnv {
  return { LD_PRELOAD: libfaketimePath(), FAKETIME: spec, DONT_FAKE_MONOTONIC: '1' };
}

/**
 * A clock a test can set while the process runs, as chronyd stepping the clock does on a device:
 * libfaketime re-reads the file every second. Write `@YYYY-MM-DD hh:mm:ss` for a fixed start that
 * then runs on, or `+0` for the true time.
 */
export class AdjustableClock {
  readonly file = path.join(tempDir('faketime-'), 'faketime.rc');

  constructor(initial: string) {
    this.set(initial);
  }

  set(spec: string): void {
    writeFileSync(this.file, `${spec}\n`);
  }

  /** Environment for a process whose clock this object controls; monotonic time stays real so timers work. */
  env(): NodeJS.ProcessEnv {
    return {
      LD_PRELOAD: libfaketimePath(),
      FAKETIME_TIMESTAMP_FILE: this.file,
      FAKETIME_CACHE_DURATION: '1',
      DONT_FAKE_MONOTONIC: '1',
    };
  }
}
