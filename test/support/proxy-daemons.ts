import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { freePort, waitForPort } from './network.js';
import { Proc, tempDir } from './processes.js';

/** A proxy daemon the test started: its port, and its log (as text) to see what it relayed. */
export interface ProxyDaemon {
  port: number;
  proc: Proc;
  /** Everything the daemon logged so far. */
  log(): string;
  stop(): Promise<void>;
}

async function startDaemon(command: string, args: string[], port: number): Promise<ProxyDaemon> {
  const proc = new Proc(command, args);
  await Promise.race([
    waitForPort(port),
    proc.exited.then(({ code }) => {
      throw new Error(`${command} exited (${code}) before listening:\n${proc.stderr}${proc.stdout}`);
    }),
  ]);
  return {
    port,
    proc,
    log: () => proc.stdout + proc.stderr,
    // SIGTERM lets danted's mother take its children down with it; SIGKILL in cleanup() is the fallback.
    stop: async () => void (await proc.kill('SIGTERM')),
  };
}

/** Debian's tinyproxy as an HTTP CONNECT proxy on a loopback port, optionally with Basic auth. */
export async function startTinyproxy(options: { credentials?: { username: string; password: string } } = {}): Promise<ProxyDaemon> {
  const port = await freePort();
  const conf = path.join(tempDir('tinyproxy-'), 'tinyproxy.conf');
  const lines = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 120',
    'LogLevel Connect',
    'MaxClients 50',
    'Allow 127.0.0.1',
    'DisableViaHeader Yes',
    // No ConnectPort lines: CONNECT to any port, since the test server is not on 443.
    ...(options.credentials ? [`BasicAuth ${options.credentials.username} ${options.credentials.password}`] : []),
  ];
  writeFileSync(conf, `${lines.join('\n')}\n`);
  return startDaemon('tinyproxy', ['-d', '-c', conf], port);
}

/** Debian's dante (danted) as a SOCKS5 proxy on a loopback port, without authentication. */
export async function startDanted(): Promise<ProxyDaemon> {
  const port = await freePort();
  const dir = tempDir('danted-');
  const conf = path.join(dir, 'danted.conf');
  const asRoot = process.getuid?.() === 0;
  const lines = [
    'logoutput: stderr',
    `internal: 127.0.0.1 port = ${port}`,
    'external: 127.0.0.1',
    'socksmethod: none',
    'clientmethod: none',
    ...(asRoot ? ['user.privileged: root', 'user.unprivileged: nobody'] : []),
    'client pass {',
    '  from: 127.0.0.0/8 to: 0.0.0.0/0',
    '  log: connect error',
    '}',
    'socks pass {',
    '  from: 127.0.0.0/8 to: 0.0.0.0/0',
    '  command: connect',
    '  log: connect error',
    '}',
  ];
  writeFileSync(conf, `${lines.join('\n')}\n`);
  return startDaemon('danted', ['-f', conf, '-N', '1', '-p', path.join(dir, 'danted.pid')], port);
}
