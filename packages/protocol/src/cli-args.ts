import { InvalidArgumentError } from 'commander';
import { parseDuration } from './durations.js';

/** Option parsers both command lines share; a bad value is reported by commander with the option's name. */

export function parseDurationArg(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

/** For repeatable options (-p, --hostname): each use adds to the list. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parsePortArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError(`must be a port number from 1 to 65535, got "${value}"`);
  return n;
}

/** A limit: a whole number of at least 1. */
export function parseCountArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || !Number.isSafeInteger(n)) throw new InvalidArgumentError(`must be a whole number of at least 1, got "${value}"`);
  return n;
}
