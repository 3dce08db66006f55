import { writeSync } from 'node:fs';

/** pino's own keys, shown in the line's fixed part rather than as key=value. */
const FIXED = new Set(['time', 'level', 'msg', 'name', 'pid', 'hostname']);

function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[\s"=]/.test(text) ? JSON.stringify(text) : text;
}

/** One pino JSON line as a person reads it: `12:00:01 WARN  retrying in 2 s  attempt=3 code=ERR_X`. */
export function formatLogLine(json: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const time = typeof record['time'] === 'string' ? record['time'].slice(11, 19) : '';
  const level = String(record['level'] ?? '').toUpperCase().padEnd(5);
  const fields = Object.entries(record)
    .filter(([k]) => !FIXED.has(k))
    .map(([k, v]) => `${k}=${show(v)}`)
    .join(' ');
  return `${time} ${level} ${String(record['msg'] ?? '')}${fields ? `  ${fields}` : ''}\n`;
}

/** A pino destination writing human-readable lines to a file descriptor (a terminal), synchronously like pino's. */
export function humanDestination(fd: number): { write(line: string): void } {
  return {
    write(line: string): void {
      writeSync(fd, formatLogLine(line));
    },
  };
}
