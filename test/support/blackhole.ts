import net from 'node:net';
import { Proc } from './processes.js';

/**
 * A port whose connects time out: a listener with a backlog of one that never accepts, its
 * queue already full, so the kernel drops further SYNs. Node always accepts, hence Python.
 */
export async function blackholePort(): Promise<number> {
  const proc = new Proc('python3', [
    '-c',
    'import socket,sys,time\ns=socket.socket();s.bind(("127.0.0.1",0));s.listen(0)\nprint(s.getsockname()[1],flush=True)\ntime.sleep(3600)',
  ]);
  const port = Number((await proc.waitForStdout(/^\d+/)).trim());
  // Fill the accept queue; these connections are never accepted either.
  for (let i = 0; i < 2; i++) net.connect(port, '127.0.0.1').on('error', () => undefined);
  await new Promise((r) => setTimeout(r, 200));
  return port;
}
