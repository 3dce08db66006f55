import { Proc } from './processes.js';

export interface ProgramResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a system program (ssh, scp, curl, nc) to completion, killing it after timeoutMs. */
export async function runProgram(command: string, args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; timeoutMs?: number } = {}): Promise<ProgramResult> {
  const proc = new Proc(command, args, options);
  const timer = setTimeout(() => void proc.kill('SIGKILL'), options.timeoutMs ?? 120_000);
  const { code } = await proc.exited;
  clearTimeout(timer);
  await new Promise((r) => setImmediate(r));
  return { code, stdout: proc.stdout, stderr: proc.stderr };
}

/** Whether a program is on PATH (tests of optional tools skip without it). */
export async function hasProgram(name: string): Promise<boolean> {
  const r = await runProgram('sh', ['-c', `command -v ${name}`]);
  return r.code === 0;
}
