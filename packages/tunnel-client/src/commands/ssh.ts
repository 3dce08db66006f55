import { spawn } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { collect, parsePortArg } from '@tunnel/protocol/cli';
import { CodedError } from '@tunnel/protocol/errors';
import type { Command } from 'commander';
import type { ConnectionFlags } from '../developer/connection-settings.js';
import { SshErrorCode } from '../developer/developer-errors.js';
import { withConnectionOptions } from './connection-options.js';

/** The host OS sshd of a balena device listens here. */
const DEVICE_SSH_PORT = 22222;

interface SshFlags extends ConnectionFlags {
  port: number;
  user: string;
  identity?: string;
  localForward?: string[];
  sshOption?: string[];
}

function shellQuote(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * How to run this same program again: node and the script, or a single executable alone (whose
 * argv[1] is the executable itself).
 */
function selfCommand(): string[] {
  const script = process.argv[1];
  if (script === undefined) return [process.execPath];
  try {
    if (realpathSync(script) === realpathSync(process.execPath)) return [process.execPath];
  } catch {
    // not a file: run node with it anyway, as the shell did
  }
  return [process.execPath, script];
}

/** ssh's argument list: our ProxyCommand, then the person's options, the destination and the command. */
export function sshArguments(device: string, command: string[], flags: Pick<SshFlags, 'port' | 'user' | 'identity' | 'localForward' | 'sshOption'>): string[] {
  const proxy = [...selfCommand(), 'device', 'proxy', '%h', String(flags.port)].map(shellQuote).join(' ');
  const args = ['-o', `ProxyCommand=${proxy}`, '-l', flags.user];
  if (flags.identity !== undefined) args.push('-i', flags.identity);
  for (const forward of flags.localForward ?? []) args.push('-L', forward);
  for (const option of flags.sshOption ?? []) args.push('-o', option);
  return [...args, device, ...(command.length > 0 ? ['--', ...command] : [])];
}

export function registerSshCommand(program: Command): void {
  withConnectionOptions(
    program
      .command('ssh')
      .description("Open a shell on a device (or run a command) with the system's ssh; the tunnel is its ProxyCommand.")
      .argument('<device>', 'device uuid, unique prefix (7+ characters) or name')
      .argument('[command...]', 'command to run instead of a shell; put it after --, e.g. tunnel-client ssh pi-1 -- uname -a')
      .option('-p, --port <port>', `ssh port on the device (default ${DEVICE_SSH_PORT}, the host OS sshd)`, parsePortArg, DEVICE_SSH_PORT)
      .option('-l, --user <user>', 'user on the device', 'root')
      .option('-i, --identity <file>', "private key for ssh's -i")
      .option('-L, --local-forward <spec>', "ssh's -L [bind:]port:host:hostport, repeatable", collect)
      .option('-o, --ssh-option <option>', 'any other ssh -o option, repeatable (e.g. -o StrictHostKeyChecking=accept-new)', collect),
  ).action(async (device: string, command: string[], flags: SshFlags) => {
    // The proxy inherits the connection through the environment, never argv: `ps` would show a token.
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (flags.server !== undefined) env['TUNNEL_SERVER'] = flags.server;
    if (flags.token !== undefined) env['TUNNEL_TOKEN'] = flags.token;
    if (flags.ca !== undefined) env['TUNNEL_CA'] = flags.ca;
    if (flags.proxy !== undefined) env['HTTPS_PROXY'] = flags.proxy;
    const child = spawn('ssh', sshArguments(device, command, flags), { stdio: 'inherit', env });
    const status = await new Promise<number>((resolve, reject) => {
      child.once('error', (err: NodeJS.ErrnoException) =>
        reject(err.code === 'ENOENT' ? new CodedError(SshErrorCode.Missing, 'no ssh on PATH: install the OpenSSH client (Debian: openssh-client)') : err),
      );
      child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    });
    // ssh's own status: the remote command's, or 255 when ssh itself failed.
    process.exit(status);
  });
}
