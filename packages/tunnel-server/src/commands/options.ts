import { Option } from 'commander';
import { parsePortArg } from '@tunnel/protocol';
import { DEFAULT_DATA_DIR } from '../data-dir.js';

/** --data, shared by every command that touches the server's state. */
export function dataOption(): Option {
  return new Option('--data <dir>', 'data directory (registry, certificates, identity key)').env('TUNNEL_DATA').default(DEFAULT_DATA_DIR);
}

/** Like parsePortArg, but 0 asks the system for a free port (the server logs the one it got). */
export function parseListenPortArg(value: string): number {
  return value === '0' ? 0 : parsePortArg(value);
}
