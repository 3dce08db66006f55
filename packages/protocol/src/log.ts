import { pino, type LoggerOptions } from 'pino';
import type { LogFields } from './log-fields.js';
import { humanDestination } from './log-format.js';

/** One level's method: a message, or the schema's fields and a message. */
export interface LogMethod {
  (message: string): void;
  (fields: LogFields, message: string): void;
}

/**
 * pino's logger, narrowed to the log schema (log-fields.ts): a field outside it does not compile,
 * and `err` must be an Error, which pino's serializer writes with its stack.
 */
export interface Logger {
  level: string;
  trace: LogMethod;
  debug: LogMethod;
  info: LogMethod;
  warn: LogMethod;
  error: LogMethod;
  fatal: LogMethod;
  child(bindings: LogFields): Logger;
  isLevelEnabled(level: string): boolean;
}

export interface LoggerSettings {
  /** Component name, shown as `name` on every line. */
  name: string;
  /** pino level; defaults to LOG_LEVEL or info. */
  level?: string;
  /** Where lines go; defaults to stderr so stdout stays free for command output (config.json, JSON lists). */
  destination?: NodeJS.WritableStream;
}

/** Structured logs, one line per event, on stderr: JSON, or human-readable when stderr is a terminal. */
export function createLogger(settings: LoggerSettings): Logger {
  const options: LoggerOptions = {
    name: settings.name,
    level: settings.level ?? process.env['LOG_LEVEL'] ?? 'info',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  // JSON for journald and log shippers; a person at a terminal gets readable lines.
  const destination = settings.destination ?? (process.stderr.isTTY ? humanDestination(2) : pino.destination({ fd: 2, sync: true }));
  return pino(options, destination);
}

/** A logger that drops everything, for library users that pass none. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
export * from './log-fields.js';
