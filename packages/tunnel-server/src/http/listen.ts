import type { Server } from 'node:net';
import { CodedError } from '@tunnel/protocol/errors';
import { ListenErrorCode } from './http-error.js';

/**
 * Connections the kernel queues while the event loop is busy (the kernel caps it at
 * net.core.somaxconn, 4096 on current Linux). Node's default of 511 overflows when a fleet
 * reconnects at once after a restart: the dropped handshakes come back only after TCP's 1, 2, 4 s
 * retransmission delays (11,600 overflows in one 5,000-device storm here).
 */
const LISTEN_BACKLOG = 4096;

/**
 * Binds a server and turns the two failures people actually hit into instructions:
 * a privileged port without the privilege, and a port somebody else holds.
 */
export function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(explainBindError(err, host, port));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen({ host, port, backlog: LISTEN_BACKLOG });
  });
}

export function explainBindError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  if (err.code === 'EACCES' && port < 1024) {
    return new CodedError(
      ListenErrorCode.PrivilegedPort,
      `cannot listen on ${where}: ports below 1024 need privilege. Run as root, grant it once with ` +
        '`sudo setcap cap_net_bind_service=+ep "$(readlink -f "$(which node)")"`, use the systemd unit ' +
        '(AmbientCapabilities=CAP_NET_BIND_SERVICE), or pick a high port with --port 8443',
      { cause: err },
    );
  }
  if (err.code === 'EADDRINUSE') {
    return new CodedError(ListenErrorCode.InUse, `cannot listen on ${where}: the port is in use by another process; stop it or choose another --port`, { cause: err });
  }
  if (err.code === 'EADDRNOTAVAIL') {
    return new CodedError(ListenErrorCode.Address, `cannot listen on ${where}: no interface has address ${host}; check --host`, { cause: err });
  }
  return new CodedError(ListenErrorCode.Other, `cannot listen on ${where}: ${err.message}`, { cause: err });
}
