/**
 * Memory and CPU of one process as the kernel accounts them, for the idle-devices and agent
 * scenarios (5 and 7): RSS from /proc/<pid>/status, CPU time from /proc/<pid>/stat.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

export interface MemoryStatus {
  /** Resident set size now, KiB. */
  readonly rssKiB: number;
  /** Peak resident set size, KiB. */
  readonly hwmKiB: number;
  readonly threads: number;
}

function statusField(text: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(text);
  if (match === null) throw new Error(`/proc status has no ${field} (kernel thread or zombie?)`);
  return Number(match[1]);
}

export function parseStatus(text: string): MemoryStatus {
  return {
    rssKiB: statusField(text, 'VmRSS'),
    hwmKiB: statusField(text, 'VmHWM'),
    threads: statusField(text, 'Threads'),
  };
}

export function readMemory(pid: number): MemoryStatus {
  return parseStatus(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
}

/** utime + stime in clock ticks, from the text of /proc/<pid>/stat. */
export function parseStatTicks(text: string): number {
  // Field 2 (comm) may contain spaces and ')'; fields after the last ')' start at field 3 (state).
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('unparseable /proc stat');
  return utime + stime;
}

let ticksPerSecond: number | undefined;

/** USER_HZ, the unit of /proc CPU times; asked once of getconf (100 on every Linux seen, but not promised). */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const answer = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    ticksPerSecond = Number.isInteger(answer) && answer > 0 ? answer : 100;
  }
  return ticksPerSecond;
}

/** User plus system CPU seconds the process has used since it started. */
export function readCpuSeconds(pid: number): number {
  return parseStatTicks(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')) / clockTicksPerSecond();
}

/**
 * Busy CPU seconds of the whole machine since boot (all cores), from /proc/stat's first line.
 * irq and softirq are left out: loopback packet processing lands there, and it is the bench's own
 * work that no process is charged for. Steal stays in: a neighbour on the host is noise too.
 */
export function parseMachineBusyTicks(procStat: string): number {
  const line = procStat.split('\n', 1)[0] ?? '';
  const [label, user, nice, system, , , , , steal] = line.trim().split(/\s+/);
  if (label !== 'cpu') throw new Error('unexpected /proc/stat format');
  return [user, nice, system, steal].reduce((sum, v) => sum + Number(v ?? 0), 0);
}

export function readMachineBusySeconds(): number {
  return parseMachineBusyTicks(fs.readFileSync('/proc/stat', 'utf8')) / clockTicksPerSecond();
}
