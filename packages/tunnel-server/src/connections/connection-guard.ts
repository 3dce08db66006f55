import { AsyncLocalStorage } from 'node:async_hooks';
import { asError, type Logger } from '@tunnel/protocol/log';
import { ConnectionErrorCode } from './errors.js';

/** What the guard needs to know of a connection to blame and close it. */
export interface GuardedConnection {
  kind: 'request' | 'upgrade' | 'connect' | 'websocket';
  remoteAddress: string;
  close(): void;
}

/**
 * Keeps one connection's failure from ending the process. Each connection's handler runs inside
 * its own async context: an exception it throws, synchronously or later in a timer, promise or
 * nextTick it started, closes that connection and is logged with its code. Only an exception no
 * connection can be blamed for still ends the process, since its state is then unknown.
 */
export class ConnectionGuard {
  private readonly current = new AsyncLocalStorage<GuardedConnection>();

  constructor(private readonly log: Logger) {}

  run(connection: GuardedConnection, handler: () => void | Promise<unknown>): void {
    this.current.run(connection, () => {
      try {
        const pending = handler();
        if (pending) pending.catch((err: unknown) => this.fail(connection, err));
      } catch (err) {
        this.fail(connection, err);
      }
    });
  }

  /**
   * Routes uncaught exceptions to the connection whose work threw. Returns the function that
   * removes the handler (the server's owner installs it once per process).
   */
  installProcessHandler(exit: (code: number) => void = (code) => process.exit(code)): () => void {
    const onUncaught = (err: unknown): void => {
      const connection = this.current.getStore();
      if (connection) {
        this.fail(connection, err);
        return;
      }
      this.log.fatal({ code: ConnectionErrorCode.Uncaught, err: asError(err) }, 'uncaught exception outside any connection: exiting');
      exit(1);
    };
    process.on('uncaughtException', onUncaught);
    return () => process.off('uncaughtException', onUncaught);
  }

  private fail(connection: GuardedConnection, err: unknown): void {
    this.log.error(
      { code: ConnectionErrorCode.HandlerFailed, err: asError(err), kind: connection.kind, remoteAddress: connection.remoteAddress },
      'connection handler failed: closing this connection',
    );
    try {
      connection.close();
    } catch (closeErr) {
      this.log.error({ code: ConnectionErrorCode.HandlerFailed, err: asError(closeErr) }, 'could not close the failed connection');
    }
  }
}
