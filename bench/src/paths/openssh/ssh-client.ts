import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { spawnTracked, stopProcess } from '../../proc/children.js';

export interface SshTarget {
  readonly ssh: string;
  readonly port: number;
  readonly user: string;
  readonly identity: string;
}

/**
 * The cipher both ssh ends ask for: AES-256-GCM, the AEAD our TLS 1.3 negotiates
 * (TLS_AES_256_GCM_SHA384), so both chains do the same cryptography per byte. On a CPU with
 * AES-NI it is OpenSSH's fastest cipher: its default, chacha20-poly1305, costs its chain 30-40 % more CPU per byte here,
 * and a baseline on it flattered the tunnel. BENCH_SSH_CIPHERS=default leaves the choice to OpenSSH.
 */
export function sshCiphers(): string | undefined {
  const chosen = process.env['BENCH_SSH_CIPHERS'] ?? 'aes256-gcm@openssh.com';
  return chosen === 'default' ? undefined : chosen;
}

/**
 * Options both ends of the chain use. -F /dev/null keeps the invoking user's ~/.ssh/config out of
 * the measurement; host keys are fresh per run, so checking them against known_hosts is meaningless.
 * MACs, key exchange and compression (off) stay at OpenSSH's defaults; the cipher is sshCiphers().
 */
export function commonArgs(target: SshTarget): string[] {
  const ciphers = sshCiphers();
  return [
    ...(ciphers === undefined ? [] : ['-o', `Ciphers=${ciphers}`]),
    '-F', '/dev/null',
    '-p', String(target.port),
    '-i', target.identity,
    '-o', 'IdentitiesOnly=yes',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=no',
    '-o', 'UserKnownHostsFile=/dev/null',
    '-o', 'UpdateHostKeys=no',
    '-o', 'ExitOnForwardFailure=yes',
    '-o', 'ServerAliveInterval=15',
    '-o', 'ServerAliveCountMax=3',
    '-o', 'ConnectTimeout=10',
  ];
}

export interface Forward {
  readonly listenPort: number;
  readonly toPort: number;
}

/**
 * How the ssh clients hold their connection. `none` is the usual `ssh -N`. `tty` runs a do-nothing
 * remote command on a forced pty instead, only because OpenSSH turns TCP_NODELAY on for its
 * transport connection when (and only when) a session is interactive: with -N, small channel
 * messages wait for the peer's delayed ACK (about 40 ms on Linux) whenever one is already in flight.
 */
export type SessionMode = 'none' | 'tty';

export interface RunningSsh {
  readonly child: ChildProcess;
  readonly logFile: string;
  stop(): Promise<void>;
}

/**
 * Starts `ssh -N` holding the given forwards: flag -R for the device (the bastion listens, the
 * device connects to its local service), -L for the developer.
 */
export function startForwarder(
  target: SshTarget,
  flag: '-R' | '-L',
  forwards: readonly Forward[],
  label: string,
  dir: string,
  session: SessionMode,
): RunningSsh {
  const logFile = path.join(dir, `${label}.log`);
  const log = fs.openSync(logFile, 'a');
  const forwardArgs = forwards.flatMap((f) => [flag, `127.0.0.1:${f.listenPort}:127.0.0.1:${f.toPort}`]);
  const sessionArgs = session === 'none' ? ['-N'] : ['-tt'];
  const command = session === 'none' ? [] : ['exec sleep infinity'];
  const args = [...commonArgs(target), '-o', 'LogLevel=ERROR', ...sessionArgs, ...forwardArgs, `${target.user}@127.0.0.1`, ...command];
  const child = spawnTracked(target.ssh, args, { label, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  return { child, logFile, stop: () => stopProcess(child) };
}
