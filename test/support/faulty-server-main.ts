/**
 * A real tunnel server process with two faults injected, for the connection guard's test:
 * tearing down any yamux stream throws (as resetAndDestroy() on a TLS socket did in issue 20), and
 * the CONNECT handler throws, at once or later in a timer it started, depending on the target.
 * Usage: node faulty-server-main.js <dataDir>
 */
import { createLogger } from '@tunnel/protocol/log';
import { YamuxStream } from '@tunnel/protocol/yamux';
import { TunnelServer } from 'tunnel-server';

YamuxStream.prototype.reset = function injectedReset(): void {
  throw new Error('injected teardown failure');
};

const log = createLogger({ name: 'tunnel-server' });
const server = await TunnelServer.start({ dataDir: process.argv[2]!, host: '127.0.0.1', port: 0 }, log);
server.guard.installProcessHandler();
server.onProxy({
  connect: (req) => {
    if (req.url?.startsWith('sync.')) throw new Error('injected handler failure (sync)');
    setTimeout(() => {
      throw new Error('injected handler failure (later)');
    }, 10);
  },
  request: () => Promise.reject(new Error('not used')),
});
