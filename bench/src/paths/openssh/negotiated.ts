import fs from 'node:fs';
import path from 'node:path';
import { spawnTracked, stopProcess } from '../../proc/children.js';
import { commonArgs, type SshTarget } from './ssh-client.js';

/** What OpenSSH agreed on, as printed by `ssh -v`. */
export interface Negotiated {
  readonly client?: string;
  readonly server?: string;
  readonly kex?: string;
  readonly hostKey?: string;
  readonly cipher?: string;
  readonly mac?: string;
  readonly compression?: string;
}

export function parseVerboseLog(text: string): Negotiated {
  const pick = (re: RegExp): string | undefined => re.exec(text)?.[1];
  const cipherLine = /kex: client->server cipher: (\S+) MAC: (\S+) compression: (\S+)/.exec(text);
  const result: Record<string, string | undefined> = {
    client: pick(/^(OpenSSH_\S+)/m),
    server: pick(/remote software version (\S+)/),
    kex: pick(/kex: algorithm: (\S+)/),
    hostKey: pick(/kex: host key algorithm: (\S+)/),
    cipher: cipherLine?.[1],
    mac: cipherLine?.[2],
    compression: cipherLine?.[3],
  };
  return Object.fromEntries(Object.entries(result).filter(([, v]) => v !== undefined)) as Negotiated;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * A separate short `ssh -v` login, because running the measured forwarders verbose would make them
 * log every channel and slow the baseline down.
 */
export async function probeNegotiated(target: SshTarget, dir: string, deadlineMs = 10_000): Promise<Negotiated> {
  const logFile = path.join(dir, 'probe.log');
  const child = spawnTracked(target.ssh, [...commonArgs(target), '-N', '-v', '-E', logFile, `${target.user}@127.0.0.1`], {
    label: 'ssh-probe',
    stdio: 'ignore',
  });
  try {
    const until = Date.now() + deadlineMs;
    while (Date.now() < until && child.exitCode === null) {
      const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      if (text.includes('Authenticated to')) return parseVerboseLog(text);
      await sleep(50);
    }
    return parseVerboseLog(fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
  } finally {
    await stopProcess(child);
  }
}
