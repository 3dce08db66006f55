import { InvalidArgumentError } from 'commander';
import { parseDuration } from '@tunnel/protocol';

export function parseDurationArg(value: string): number {
  try {
    return parseDuration(value);
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function parsePortArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError(`must be a port number from 1 to 65535, got "${value}"`);
  return n;
}
