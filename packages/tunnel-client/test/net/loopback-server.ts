import net from 'node:net';

export interface LoopbackServer {
  port: number;
  /** Destroys the connections still open, then closes the listener. */
  close(): Promise<void>;
}

/** A TCP server of a test on a free 127.0.0.1 port; each connection goes to `onConnection`. */
export async function loopbackServer(onConnection: (socket: net.Socket) => void): Promise<LoopbackServer> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
