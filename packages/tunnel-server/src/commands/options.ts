import { Option, type Command } from 'commander';
import { parsePortArg } from '@tunnel/protocol/cli';
import { DEFAULT_DATA_DIR } from '../data-dir.js';

/** --data, shared by every command that touches the server's state. */
export function dataOption(): Option {
  return new Option('--data <dir>', 'data directory (registry, certificates, identity key)').env('TUNNEL_DATA').default(DEFAULT_DATA_DIR);
}

/** --registry: the cluster's shared registry instead of the data directory's SQLite file. */
export function registryOption(): Option {
  return new Option('--registry <url>', 'shared registry of a cluster (postgres://...) instead of SQLite in --data').env('TUNNEL_REGISTRY');
}

/**
 * A subcommand that reads or changes the server's state: every such command must accept the same
 * --data and --registry, or an operator's cluster settings would silently not apply to some.
 */
export function stateCommand(parent: Command, name: string, description: string): Command {
  return parent.command(name).description(description).addOption(dataOption()).addOption(registryOption());
}

/** --presence: the cluster's shared presence instead of the data directory's SQLite file. */
export function presenceOption(): Option {
  return new Option('--presence <url>', 'shared presence of a cluster (redis://...) instead of SQLite in --data').env('TUNNEL_PRESENCE');
}

/** Where a command finds the server's state: a data directory, and the cluster's URLs if any. */
export interface StateFlags {
  data: string;
  registry?: string;
  presence?: string;
}

/** Like parsePortArg, but 0 asks the system for a free port (the server logs the one it got). */
export function parseListenPortArg(value: string): number {
  return value === '0' ? 0 : parsePortArg(value);
}

/** A state command that can take access away: with --presence it tells the running nodes at once. */
export function revokingCommand(parent: Command, name: string, description: string): Command {
  return stateCommand(parent, name, description).addOption(presenceOption());
}
