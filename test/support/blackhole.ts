import net from 'node:net';
import { spawnNode } from './processes.js';

/**
 * A listener that never accepts: once it has printed its port its only thread blocks for good
 * (Atomics.wait, no CPU), so accept() is never called again and the kernel queues connections.
 */
const NEVER_ACCEPTS = `
const s = require('node:net').createServer();
s.listen({ host: '127.0.0.1', port: 0, backlog: 1 }, () => {
  process.stdout.write(s.address().port + '\\n', () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0));
});`;

/**
 * A port whose connects time out, as behind a firewall that drops packets: the listener's
 * queue is filled first, after which the kernel drops further SYNs.
 */
export async function blackholePort(): Promise<number> {
  const proc = spawnNode('-e', [NEVER_ACCEPTS]);
  const port = Number((await proc.waitForStdout(/^\d+/)).trim());
  // Fill the accept queue; these connections are never accepted either.
  for (let i = 0; i < 3; i++) net.connect(port, '127.0.0.1').on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 300));
  return port;
}
