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
