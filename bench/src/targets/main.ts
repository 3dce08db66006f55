/**
 * The target services in a process of their own, so the load generator and the services never share
 * an event loop (a shared loop would let one side's work delay the other's timestamps). Every path
 * reaches the same process, started once per run. The parent is told the ports over the IPC channel
 * and the process exits when that channel closes, so it cannot outlive the bench.
 */
import type net from 'node:net';
import { createEchoServer } from './echo-server.js';
import { createSinkServer } from './sink-server.js';
import type { TargetsReady } from './launch.js';

function listen(server: net.Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0, backlog: 1024 }, () => {
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('no TCP address'));
      else resolve(address.port);
    });
  });
}

async function main(): Promise<void> {
  if (process.send === undefined) throw new Error('targets must be started by the bench (IPC channel missing)');
  const echoPort = await listen(createEchoServer());
  const sinkPort = await listen(createSinkServer());
  const ready: TargetsReady = { type: 'ready', echoPort, sinkPort };
  process.send(ready);
  process.on('disconnect', () => process.exit(0));
}

main().catch((err: unknown) => {
  console.error('bench targets:', err);
  process.exit(1);
});
