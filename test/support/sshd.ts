import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import path from 'node:path';
import { eventually } from './fixtures.js';
import { preferredPort } from './network.js';
import { Proc, tempDir } from './processes.js';
import { runProgram } from './programs.js';

export interface SshdHandle {
  proc: Proc;
  /** Where sshd listens on 127.0.0.1: the seed's 22222 unless something else holds it. */
  port: number;
  dir: string;
  /** Private key whose public half is the only authorized key. */
  clientKey: string;
  /** The user the test logs in as: the current one (root on CI, hence PermitRootLogin). */
  user: string;
  /** ssh/scp options for a non-interactive login with that key and no known_hosts. */
  clientOptions: string[];
}

/**
 * An unprivileged OpenSSH server of its own, like a device's host OS sshd on 22222: its own
 * host key, an authorized key made here, no PAM, everything in a temp directory.
 */
export async function startSshd(preferred = 22222): Promise<SshdHandle> {
  const dir = tempDir('tunnel-sshd-');
  // sshd insists on its privilege-separation directory even when it never uses it.
  try {
    mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  } catch (err) {
    if (!existsSync('/run/sshd')) throw new Error(`sshd needs /run/sshd and this user cannot create it (${(err as Error).message}); run \`sudo mkdir -p /run/sshd\` once`);
  }
  const hostKey = path.join(dir, 'host_ed25519');
  const clientKey = path.join(dir, 'client_ed25519');
  for (const key of [hostKey, clientKey]) {
    const r = await runProgram('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
    if (r.code !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  }
  const authorized = path.join(dir, 'authorized_keys');
  writeFileSync(authorized, readFileSync(`${clientKey}.pub`, 'utf8'), { mode: 0o600 });

  for (let attempt = 0; ; attempt++) {
    const port = await preferredPort(attempt === 0 ? preferred : 0);
    const config = path.join(dir, 'sshd_config');
    writeFileSync(
      config,
      [
        `ListenAddress 127.0.0.1:${port}`,
        `HostKey ${hostKey}`,
        `AuthorizedKeysFile ${authorized}`,
        `PidFile ${path.join(dir, 'sshd.pid')}`,
        'UsePAM no',
        'StrictModes no',
        'PermitRootLogin prohibit-password',
        'PasswordAuthentication no',
        'KbdInteractiveAuthentication no',
        'Subsystem sftp internal-sftp',
        'LogLevel VERBOSE',
        '',
      ].join('\n'),
    );
    const proc = new Proc('/usr/sbin/sshd', ['-D', '-e', '-f', config]);
    const started = await eventually(
      () => (proc.stderr.includes('Server listening') ? true : !proc.alive ? false : undefined),
      15_000,
      'sshd to listen',
    );
    if (started) {
      const user = userInfo().username;
      const clientOptions = ['-F', '/dev/null', '-i', clientKey, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR'];
      return { proc, port, dir, clientKey, user, clientOptions };
    }
    // Lost the race for the port to another process: try a fresh one.
    if (attempt >= 3) throw new Error(`sshd would not start: ${proc.stderr}`);
  }
}

/**
 * An sshd for a whole suite, started in before() and filled in place, so tests read it once the
 * suite has started; the suite's cleanup() stops it with every other process.
 */
export function useSshd(): SshdHandle {
  const sshd = {} as SshdHandle;
  before(async () => {
    Object.assign(sshd, await startSshd());
  });
  return sshd;
}
