import { InvalidArgumentError, Option } from 'commander';
import { parseDuration } from '@tunnel/protocol';

/** --data, shared by every command that touches the server's state. */
export function dataOption(): Option {
  return new Option('--data <dir>', 'data directory (registry, certificates, identity key)').env('TUNNEL_DATA').default('./data');
}

/** Like parsePortArg, but 0 asks the system for a free port (the server logs the one it got). */
export function parseListenPortArg(value: string): number {
  return value === '0' ? 0 : parsePortArg(value);
}

export function parsePortArg(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new InvalidArgumentError(`must be a port number from 1 to 65535, got "${value}"`);
  return n;
}

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
