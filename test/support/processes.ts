import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const SERVER_CLI = path.join(root, 'packages/tunnel-server/dist/src/cli.js');
export const CLIENT_CLI = path.join(root, 'packages/tunnel-client/dist/src/cli.js');
export const RELAY_BENCH = path.join(root, 'bench/dist/src/relay/main.js');

/** One JSON log line (pino) a process wrote to stderr. */
export type LogLine = Record<string, unknown> & { msg?: string; level?: string };

/** A line's `err`, as pino's serializer writes an Error: type, message, stack, code and its own fields. */
export function logErr(line: LogLine): { message: string; code?: string } {
  const err = line['err'] as { message?: unknown; code?: unknown } | undefined;
  return { message: String(err?.message ?? ''), ...(typeof err?.code === 'string' ? { code: err.code } : {}) };
}

/** One of a line's `details` (the facts behind a failure: dates, issuer, proxy reply). */
export function logDetail(line: LogLine, key: string): unknown {
  return (line['details'] as Record<string, unknown> | undefined)?.[key];
}

const running = new Set<Proc>();
const tempDirs: string[] = [];

/** A child process of the test, with its output captured and its JSON logs parsed. */
export class Proc {
  readonly child: ChildProcess;
  readonly logs: LogLine[] = [];
  stdout = '';
  stderr = '';
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}) {
    this.child = spawn(command, args, {
      env: { ...process.env, LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'debug', ...options.env },
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    running.add(this);
    let partial = '';
    this.child.stdout!.on('data', (d: Buffer) => {
      this.stdout += d.toString();
      this.notify();
    });
    this.child.stderr!.on('data', (d: Buffer) => {
      const text = d.toString();
      this.stderr += text;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) {
        if (!line.startsWith('{')) continue;
        try {
          this.logs.push(JSON.parse(line) as LogLine);
        } catch {
          // not a log line
        }
      }
      this.notify();
    });
    if (options.input !== undefined) this.child.stdin!.end(options.input);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        running.delete(this);
        this.notify();
        resolve({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Resolves with the first log line (already seen or yet to come) that matches. */
  waitForLog(match: (line: LogLine) => boolean, timeoutMs = 30_000, from = 0): Promise<LogLine> {
    return this.waitUntil(() => this.logs.slice(from).find(match), timeoutMs, 'log line');
  }

  /** Resolves once stdout contains the text. */
  waitForStdout(text: string | RegExp, timeoutMs = 30_000): Promise<string> {
    return this.waitUntil(() => (typeof text === 'string' ? (this.stdout.includes(text) ? this.stdout : undefined) : (text.exec(this.stdout)?.[0] ?? undefined)), timeoutMs, `stdout ${String(text)}`);
  }

  kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) this.child.kill(signal);
    return this.exited;
  }

  private waitUntil<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const value = probe();
        if (value !== undefined) {
          finish();
          resolve(value);
          return true;
        }
        if (!this.alive && this.child.stdout!.readableEnded && this.child.stderr!.readableEnded) {
          finish();
          reject(new Error(`process exited (${this.child.exitCode ?? this.child.signalCode}) before ${what} appeared; stderr:\n${this.stderr.slice(-3000)}`));
          return true;
        }
        return false;
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; stderr:\n${this.stderr.slice(-3000)}`));
      }, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(onChange);
      };
      const onChange = (): void => void check();
      if (check()) return;
      this.waiters.add(onChange);
    });
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

export function spawnNode(script: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; wrapper?: string[] } = {}): Proc {
  const wrapper = options.wrapper ?? [];
  const [command, ...rest] = wrapper.length > 0 ? [...wrapper, process.execPath, script, ...args] : [process.execPath, script, ...args];
  return new Proc(command!, rest, options);
}

/** Runs a command to completion. */
export async function run(
  script: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string; logs: LogLine[] }> {
  const proc = spawnNode(script, args, options);
  const timer = setTimeout(() => proc.kill('SIGKILL'), options.timeoutMs ?? 60_000);
  const { code } = await proc.exited;
  clearTimeout(timer);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: proc.stdout, stderr: proc.stderr, logs: proc.logs };
}

export function tempDir(prefix = 'tunnel-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Kills every process the tests started and removes temp directories. Call from after(). */
export async function cleanup(): Promise<void> {
  await Promise.all([...running].map((p) => p.kill('SIGKILL')));
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

process.once('exit', () => {
  for (const p of running) p.child.kill('SIGKILL');
});
