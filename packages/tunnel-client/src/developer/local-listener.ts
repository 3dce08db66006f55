import net from 'node:net';
import { CodedError } from '@tunnel/protocol/errors';
import { JOINED_SOCKET_WRITE_HIGH_WATER } from '@tunnel/protocol/tunnel';
import { formatHostPort, type PortMapping } from './mapping.js';
import { listenErrorCode } from './developer-errors.js';

/**
 * Binds a mapping's local address. Sockets allow half-open (a client's FIN travels on as a FIN,
 * its answer still comes back) and start paused, so no byte is read before the device said ok.
 */
export function listenLocal(mapping: PortMapping, onConnection: (socket: net.Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, highWaterMark: JOINED_SOCKET_WRITE_HIGH_WATER }, onConnection);
    server.once('error', (err: NodeJS.ErrnoException) => reject(explainListenError(err, mapping)));
    server.listen({ host: mapping.localAddress, port: mapping.localPort }, () => {
      server.removeAllListeners('error');
      server.on('error', () => undefined);
      resolve(server);
    });
  });
}

function explainListenError(err: NodeJS.ErrnoException, mapping: PortMapping): CodedError {
  const where = formatHostPort(mapping.localAddress, mapping.localPort);
  const why =
    err.code === 'EADDRINUSE'
      ? 'the port is in use by another program'
      : err.code === 'EACCES'
        ? 'ports below 1024 need privilege; pick a local port above 1024'
        : err.code === 'EADDRNOTAVAIL'
          ? `no local interface has the address ${mapping.localAddress}`
          : err.message;
  return new CodedError(listenErrorCode(err.code), `cannot listen on ${where} for -p ${mapping.text}: ${why}`);
}
