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
 * Options both ends of the chain use. -F /dev/null keeps the invoking user's ~/.ssh/config out of
 * the measurement; host keys are fresh per run, so checking them against known_hosts is meaningless.
 * Nothing here touches ciphers, MACs or compression: those stay at OpenSSH's defaults.
 */
export function commonArgs(target: SshTarget): string[] {
  return [
    '-F', '/dev/null',
    '-N',
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
  extraArgs: readonly string[] = [],
): RunningSsh {
  const logFile = path.join(dir, `${label}.log`);
  const log = fs.openSync(logFile, 'a');
  const forwardArgs = forwards.flatMap((f) => [flag, `127.0.0.1:${f.listenPort}:127.0.0.1:${f.toPort}`]);
  const args = [...commonArgs(target), '-o', 'LogLevel=ERROR', ...extraArgs, ...forwardArgs, `${target.user}@127.0.0.1`];
  const child = spawnTracked(target.ssh, args, { label, stdio: ['ignore', log, log] });
  fs.closeSync(log);
  return { child, logFile, stop: () => stopProcess(child) };
}
