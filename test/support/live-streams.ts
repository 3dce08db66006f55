import net from 'node:net';
import { connectVia } from './connect-client.js';
import { spawnClient, startTunnel, type UserHandle } from './developer.js';
import type { ServerHandle } from './fixtures.js';
import { freePort, tcpServer } from './network.js';
import type { Proc } from './processes.js';

/** The three ways people reach a device port: HTTP CONNECT, `device tunnel`, ssh's ProxyCommand. */
export const ACCESS_PATHS = ['connect', 'tunnel', 'proxycommand'] as const;
export type AccessPath = (typeof ACCESS_PATHS)[number];

/** One stream carrying bytes to a device service; `closed` settles when the user's end saw it end. */
export interface LiveStream {
  path: AccessPath;
  closed: Promise<void>;
  /** Processes the stream needs (the tunnel or proxy), for cleanup. */
  proc?: Proc;
}

export const BANNER = 'service-ready\n';

/** A device-side service that greets each connection and can reset every one it holds. */
export async function bannerService(): Promise<{ port: number; resetAll(): void; held(): number }> {
  const held = new Set<net.Socket>();
  const { port } = await tcpServer('127.0.0.1', (socket) => {
    held.add(socket);
    socket.once('close', () => held.delete(socket));
    socket.write(BANNER);
    // A user that leaves ends the stream both ways, as most services do on EOF.
    socket.on('end', () => socket.end());
    socket.resume();
  });
  return {
    port,
    resetAll: () => {
      for (const s of held) s.resetAndDestroy();
    },
    held: () => held.size,
  };
}

/** Opens a stream to the device's port the given way and waits until the service's greeting came through. */
export async function openLive(path: AccessPath, server: ServerHandle, user: UserHandle, device: string, port: number): Promise<LiveStream> {
  if (path === 'connect') {
    const a = await connectVia(server.port, user.caFile, `${device}.balena:${port}`, { token: user.token, done: (rest) => rest.toString().includes(BANNER) });
    if (a.status !== 200) throw new Error(`CONNECT answered ${a.status}: ${a.rest.toString()}`);
    a.socket.on('error', () => undefined);
    return { path, closed: new Promise((resolve) => a.socket.once('close', () => resolve())) };
  }
  if (path === 'tunnel') {
    const local = await freePort();
    const proc = await startTunnel(user, device, ['-p', `${port}:${local}`]);
    const socket = net.connect({ host: '127.0.0.1', port: local });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      let seen = '';
      socket.on('data', (c: Buffer) => {
        seen += c.toString();
        if (seen.includes(BANNER)) resolve();
      });
      socket.once('close', () => reject(new Error(`tunnel connection closed before the greeting; tunnel said: ${proc.stdout}`)));
    });
    return { path, proc, closed: new Promise((resolve) => socket.once('close', () => resolve())) };
  }
  // What ssh runs as ProxyCommand: stdin/stdout joined to the device port.
  const proc = spawnClient(user, ['device', 'proxy', device, String(port)]);
  await proc.waitForStdout(BANNER);
  return { path, proc, closed: proc.exited.then(() => undefined) };
}
