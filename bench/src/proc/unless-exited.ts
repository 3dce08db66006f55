import type { ChildProcess } from 'node:child_process';
import { tail } from './run.js';

/** Waits for `ready`, but fails at once with the process's log when the process dies instead. */
export async function unlessExited<T>(ready: Promise<T>, child: ChildProcess, label: string, logFile: string): Promise<T> {
  let onExit: ((code: number | null) => void) | undefined;
  const died = new Promise<never>((_, reject) => {
    onExit = (code) => reject(new Error(`${label} exited (code ${code}):\n${tail(logFile)}`));
    child.once('exit', onExit);
  });
  try {
    return await Promise.race([ready, died]);
  } finally {
    if (onExit !== undefined) child.off('exit', onExit);
  }
}
