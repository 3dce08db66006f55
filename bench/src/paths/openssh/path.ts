import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../net/free-port.js';
import { descendantPids } from '../../proc/tree.js';
import { tail } from '../../proc/run.js';
import { unlessExited } from '../../proc/unless-exited.js';
import type { TargetEndpoints } from '../../targets/launch.js';
import { waitListening, waitPathReady } from '../ready.js';
import type { BenchPath, PathContext, PathSetup } from '../types.js';
import { probeNegotiated, type Negotiated } from './negotiated.js';
import { sshCiphers, startForwarder, type RunningSsh, type SessionMode, type SshTarget } from './ssh-client.js';
import { loginUser, makeKeys, startSshd } from './sshd.js';
import { findOpenSsh } from './tools.js';

const READY_MS = 15_000;

function describe(n: Negotiated): string[] {
  return [
    `OpenSSH client ${n.client ?? '?'}, server ${n.server ?? '?'}`,
    `ssh cipher ${n.cipher ?? '?'} (${sshCiphers() === undefined ? "OpenSSH's default" : 'asked for with -o Ciphers, as our TLS uses AES-GCM'}; MAC ${n.mac ?? '?'}, compression ${n.compression ?? '?'}), kex ${n.kex ?? '?'}, host key ${n.hostKey ?? '?'}`,
  ];
}

/** One ssh (-R for the device, -L for the developer) forwarding both services from fresh loopback ports to `to`. */
async function forwardServices(
  target: SshTarget,
  flag: '-R' | '-L',
  to: TargetEndpoints,
  label: string,
  dir: string,
  session: SessionMode,
): Promise<{ listening: TargetEndpoints; ssh: RunningSsh }> {
  const listening: TargetEndpoints = {
    echo: { host: '127.0.0.1', port: await freePort() },
    sink: { host: '127.0.0.1', port: await freePort() },
  };
  const forwards = [
    { listenPort: listening.echo.port, toPort: to.echo.port },
    { listenPort: listening.sink.port, toPort: to.sink.port },
  ];
  return { listening, ssh: startForwarder(target, flag, forwards, label, dir, session) };
}

async function setup(name: string, session: SessionMode, { targets, log }: PathContext): Promise<PathSetup> {
  const tools = findOpenSsh();
  if ('missing' in tools) return { kind: 'skipped', reason: tools.missing };
  if (session === 'tty' && process.getuid?.() !== 0) {
    // sshd's pty setup chowns /dev/pts/N and treats failure as fatal, so only root can serve one.
    return { kind: 'skipped', reason: 'needs root: an unprivileged sshd cannot hand a pty to a session' };
  }

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tunnel-bench-ssh-'));
  // Undone in reverse order on teardown or on a failure half-way through setup.
  const undo: (() => Promise<void>)[] = [async () => fs.rmSync(dir, { recursive: true, force: true })];
  const teardown = async (): Promise<void> => {
    for (const step of undo.reverse().splice(0)) await step();
  };
  let sshdLog: string | undefined;
  try {
    const keys = await makeKeys(tools.sshKeygen, dir);
    const sshd = await startSshd(tools.sshd, dir, keys);
    sshdLog = sshd.logFile;
    undo.push(sshd.stop);
    const user = loginUser();
    log(`${name}: sshd ${tools.sshd} on 127.0.0.1:${sshd.port}, login ${user}, work dir ${dir}`);
    const target: SshTarget = { ssh: tools.ssh, port: sshd.port, user, identity: keys.clientKey };
    const negotiated = await probeNegotiated(target, dir);

    // The device: one ssh session carrying both services, as one device exposes several ports.
    const { listening: bastion, ssh: device } = await forwardServices(target, '-R', targets, 'device-ssh', dir, session);
    undo.push(device.stop);
    await unlessExited(
      Promise.all([waitListening(bastion.echo, READY_MS), waitListening(bastion.sink, READY_MS)]),
      device.child, 'device ssh -R', device.logFile,
    );

    // The developer: ssh -L to the bastion's loopback ports that the device's -R opened.
    const { listening: local, ssh: developer } = await forwardServices(target, '-L', bastion, 'developer-ssh', dir, session);
    undo.push(developer.stop);
    await unlessExited(waitPathReady(local, READY_MS), developer.child, 'developer ssh -L', developer.logFile);

    const sshdPid = sshd.child.pid;
    return {
      kind: 'ready',
      path: {
        endpoints: local,
        notes: [...describe(negotiated), ...(session === 'tty' ? ['sessions on a forced pty (ssh -tt): OpenSSH sets TCP_NODELAY on its transport only then'] : [])],
        processes: () => [
          ...[device.child.pid, developer.child.pid, sshdPid].filter((p): p is number => p !== undefined),
          ...(sshdPid !== undefined ? descendantPids(sshdPid) : []),
        ],
        relayProcesses: () => (sshdPid !== undefined ? [sshdPid, ...descendantPids(sshdPid)] : []),
        teardown,
      },
    };
  } catch (err) {
    // The client's words are often only "closed by remote host"; the reason is in sshd's log.
    const why = sshdLog === undefined ? '' : `\nsshd log:\n${tail(sshdLog)}`;
    await teardown();
    throw new Error(`${err instanceof Error ? err.message : String(err)}${why}`);
  }
}

/**
 * The bastion chain people use instead of a tunnel product: the device keeps `ssh -N -R` to a
 * bastion sshd, the developer `ssh -N -L` through the same sshd.
 */
export const opensshPath: BenchPath = {
  name: 'openssh',
  description: 'load generator -> ssh -N -L -> sshd (bastion) -> ssh -N -R (device) -> target services',
  setup: (context) => setup('openssh', 'none', context),
};

/**
 * The same chain with both ssh sessions on a pty, the best OpenSSH can do for latency: a target met
 * against `openssh` alone could be a win over Nagle's algorithm rather than over OpenSSH.
 */
export const opensshTtyPath: BenchPath = {
  name: 'openssh-tty',
  description: 'as openssh, but both ssh clients run a command on a pty (-tt), which turns TCP_NODELAY on',
  setup: (context) => setup('openssh-tty', 'tty', context),
};
