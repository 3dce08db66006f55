import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../net/free-port.js';
import { spawnTracked, stopProcess } from '../../proc/children.js';
import { run, tail } from '../../proc/run.js';
import { waitListening } from '../ready.js';

export interface BastionKeys {
  readonly hostKey: string;
  readonly clientKey: string;
  readonly authorizedKeys: string;
}

/** Fresh ed25519 keys for this run only: a host key for sshd, a client key both ssh ends use. */
export async function makeKeys(sshKeygen: string, dir: string): Promise<BastionKeys> {
  const hostKey = path.join(dir, 'ssh_host_ed25519_key');
  const clientKey = path.join(dir, 'client_ed25519');
  await run(sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench-host', '-f', hostKey]);
  await run(sshKeygen, ['-q', '-t', 'ed25519', '-N', '', '-C', 'bench-client', '-f', clientKey]);
  const authorizedKeys = path.join(dir, 'authorized_keys');
  fs.copyFileSync(`${clientKey}.pub`, authorizedKeys);
  fs.chmodSync(authorizedKeys, 0o600);
  return { hostKey, clientKey, authorizedKeys };
}

/**
 * A bastion as an operator would run one, minus what needs a system install: no PAM, key-only
 * login, forwarding allowed but only on loopback. Ciphers, MACs and key exchange stay at OpenSSH's
 * defaults: the baseline must be what people really get.
 */
export function sshdConfig(dir: string, port: number, keys: BastionKeys): string {
  return [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${keys.hostKey}`,
    `PidFile ${path.join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${keys.authorizedKeys}`,
    'UsePAM no',
    // The temp dir is not root-owned 0755 all the way up when run as an ordinary user.
    'StrictModes no',
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'PermitRootLogin prohibit-password',
    'AllowTcpForwarding yes',
    'GatewayPorts no',
    'X11Forwarding no',
    'PrintMotd no',
    'ClientAliveInterval 15',
    '',
  ].join('\n');
}

export interface RunningSshd {
  readonly port: number;
  readonly logFile: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

export async function startSshd(sshd: string, dir: string, keys: BastionKeys): Promise<RunningSshd> {
  if (process.getuid?.() === 0) {
    // Privilege separation needs its empty chroot dir; Debian creates it only via the systemd unit.
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  }
  const port = await freePort();
  const configFile = path.join(dir, 'sshd_config');
  fs.writeFileSync(configFile, sshdConfig(dir, port, keys));
  // Fails fast with sshd's own words on a bad option, rather than a timeout later.
  await run(sshd, ['-t', '-f', configFile]);
  const logFile = path.join(dir, 'sshd.log');
  const log = fs.openSync(logFile, 'a');
  // -D: stay in the foreground so the pid we hold is the listener; -e: log to stderr (our file).
  const child = spawnTracked(sshd, ['-D', '-e', '-f', configFile], {
    label: 'sshd',
    withDescendants: true,
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const stop = (): Promise<void> => stopProcess(child);
  try {
    await Promise.race([
      waitListening({ host: '127.0.0.1', port }, 10_000),
      new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`sshd exited (${code})`)))),
    ]);
  } catch (err) {
    await stop();
    throw new Error(`${(err as Error).message}\n${tail(logFile)}`);
  }
  return { port, logFile, child, stop };
}

/** The account both ssh ends log in as: root when we are root, otherwise whoever runs the bench. */
export function loginUser(): string {
  return os.userInfo().username;
}
