/**
 * Every process the bench starts goes through here, so that it is stopped on every way out: normal
 * teardown, an exception, Ctrl-C, or SIGTERM from a CI runner. Stray sshd or ssh processes holding
 * loopback ports would poison the next run.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { descendantPids, isAlive } from './tree.js';

interface Tracked {
  readonly child: ChildProcess;
  readonly label: string;
  /** Also signal the process's descendants (sshd forks one child per connection). */
  readonly withDescendants: boolean;
}

const tracked = new Set<Tracked>();
let handlersInstalled = false;
let stopping = false;

/** True once a signal asked the bench to stop: callers should start no new work. */
export function isStopping(): boolean {
  return stopping;
}

export interface SpawnTrackedOptions extends SpawnOptions {
  readonly label: string;
  readonly withDescendants?: boolean;
}

export function spawnTracked(command: string, args: readonly string[], options: SpawnTrackedOptions): ChildProcess {
  const { label, withDescendants = false, ...spawnOptions } = options;
  const child = spawn(command, args, spawnOptions);
  track(child, label, withDescendants);
  return child;
}

export function track(child: ChildProcess, label: string, withDescendants = false): void {
  installExitHandlers();
  const entry: Tracked = { child, label, withDescendants };
  tracked.add(entry);
  // Once the process itself is gone its orphans are reparented and can no longer be found from it.
  child.once('exit', () => tracked.delete(entry));
}

function exited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null;
}

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (exited(child)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(exited(child)), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // Already gone: nothing to stop.
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits until none of the pids is in /proc any more (zombies count as present until reaped). */
async function waitGone(pids: readonly number[], ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    const left = pids.filter(isAlive);
    if (left.length === 0) return true;
    if (Date.now() >= until) return false;
    await sleep(20);
  }
}

/**
 * SIGTERM, a grace period, then SIGKILL. With descendants, those go first, while the parent is
 * still there to reap them: killed after it, they would be orphaned to an init that (in this
 * container) leaves them as zombies.
 */
export async function stopProcess(child: ChildProcess, graceMs = 2000): Promise<void> {
  const entry = [...tracked].find((t) => t.child === child);
  const pid = child.pid;
  if (pid === undefined) return;
  const extra = entry?.withDescendants === true && !exited(child) ? descendantPids(pid) : [];
  if (extra.length > 0) {
    for (const d of extra) signal(d, 'SIGTERM');
    if (!(await waitGone(extra, graceMs))) for (const d of extra) signal(d, 'SIGKILL');
    await waitGone(extra, graceMs);
  }
  if (!exited(child)) signal(pid, 'SIGTERM');
  if (!(await waitExit(child, graceMs))) signal(pid, 'SIGKILL');
  await waitExit(child, graceMs);
  if (entry !== undefined) tracked.delete(entry);
}

export async function stopAll(): Promise<void> {
  // Newest first: clients before the servers they are connected to, so servers exit cleanly.
  const entries = [...tracked].reverse();
  for (const entry of entries) await stopProcess(entry.child);
}

/** Synchronous last resort for process 'exit', where no promise will ever run. */
function killAllSync(): void {
  for (const entry of tracked) {
    const pid = entry.child.pid;
    if (pid === undefined) continue;
    const extra = entry.withDescendants ? descendantPids(pid) : [];
    if (!exited(entry.child)) signal(pid, 'SIGKILL');
    for (const d of extra) signal(d, 'SIGKILL');
  }
  tracked.clear();
}

export function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAllSync);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      stopping = true;
      process.stderr.write(`\nbench: ${sig}, stopping child processes\n`);
      stopAll().finally(() => process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1)));
    });
  }
}

/** Labels and pids of what is still running, for error messages and the self-test. */
export function trackedProcesses(): { label: string; pid: number | undefined }[] {
  return [...tracked].map((t) => ({ label: t.label, pid: t.child.pid }));
}
