import net from 'node:net';

/**
 * Asks the kernel for an unused loopback port. There is a window between closing our probe and the
 * real owner binding it; for programs we cannot hand a listening socket to (sshd, ssh -L/-R) this is
 * the only option, and the loopback range on a bench machine is quiet enough that it does not bite.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ host, port: 0, exclusive: true }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('listening socket has no TCP address'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}
