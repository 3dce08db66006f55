import type { Server } from 'node:net';
import { CodedError } from '@tunnel/protocol';

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
    server.listen({ host, port });
  });
}

export function explainBindError(err: NodeJS.ErrnoException, host: string, port: number): Error {
  const where = `${host}:${port}`;
  if (err.code === 'EACCES' && port < 1024) {
    return new CodedError(
      'ERR_BIND_PRIVILEGED_PORT',
      `cannot listen on ${where}: ports below 1024 need privilege. Run as root, grant it once with ` +
        '`sudo setcap cap_net_bind_service=+ep "$(readlink -f "$(which node)")"`, use the systemd unit ' +
        '(AmbientCapabilities=CAP_NET_BIND_SERVICE), or pick a high port with --port 8443',
      { cause: err },
    );
  }
  if (err.code === 'EADDRINUSE') {
    return new CodedError('ERR_BIND_IN_USE', `cannot listen on ${where}: the port is in use by another process; stop it or choose another --port`, { cause: err });
  }
  if (err.code === 'EADDRNOTAVAIL') {
    return new CodedError('ERR_BIND_ADDRESS', `cannot listen on ${where}: no interface has address ${host}; check --host`, { cause: err });
  }
  return new CodedError('ERR_BIND', `cannot listen on ${where}: ${err.message}`, { cause: err });
}
