import { findExecutable } from '../../proc/run.js';

export interface OpenSshTools {
  readonly sshd: string;
  readonly ssh: string;
  readonly sshKeygen: string;
}

/** The OpenSSH binaries, or the reason the path must be skipped. */
export function findOpenSsh(): OpenSshTools | { readonly missing: string } {
  const sbin = ['/usr/sbin', '/usr/local/sbin', '/sbin'];
  // sshd insists on being started by absolute path (it re-executes itself per connection).
  const sshd = findExecutable('sshd', sbin);
  if (sshd === undefined) return { missing: 'sshd not found (Debian: apt-get install openssh-server)' };
  const ssh = findExecutable('ssh');
  if (ssh === undefined) return { missing: 'ssh not found (Debian: apt-get install openssh-client)' };
  const sshKeygen = findExecutable('ssh-keygen');
  if (sshKeygen === undefined) return { missing: 'ssh-keygen not found (Debian: apt-get install openssh-client)' };
  return { sshd, ssh, sshKeygen };
}
