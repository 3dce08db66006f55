import type { Duplex, Readable, Writable } from 'node:stream';

export interface BridgeResult {
  bytesSent: number;
  bytesReceived: number;
  error?: Error;
}

/**
 * Joins a stream to this process's stdin and stdout, for ssh's ProxyCommand. End of stdin is
 * sent on as a FIN (the answer still comes back); the device's FIN ends stdout, which tells
 * ssh the connection is over. Resolves once both directions are done, or on the first error.
 */
export function bridgeStdio(stream: Duplex, input: Readable = process.stdin, output: Writable = process.stdout): Promise<BridgeResult> {
  return new Promise((resolve) => {
    let bytesSent = 0;
    let bytesReceived = 0;
    let streamClosed = false;
    let outputDone = false;
    let error: Error | undefined;
    input.on('data', (c: Buffer) => (bytesSent += c.length));
    stream.on('data', (c: Buffer) => (bytesReceived += c.length));
    const finish = (): void => {
      if (!streamClosed || !(outputDone || error)) return;
      resolve(error ? { bytesSent, bytesReceived, error } : { bytesSent, bytesReceived });
    };
    stream.on('error', (err: Error) => {
      error ??= err;
      finish();
    });
    stream.once('close', () => {
      streamClosed = true;
      finish();
    });
    output.once('finish', () => {
      outputDone = true;
      finish();
    });
    output.on('error', (err: Error) => {
      if ((err as NodeJS.ErrnoException).code !== 'EPIPE') {
        error ??= err;
        stream.destroy();
        return;
      }
      // The reader went away (ssh exited, which is how every ssh session ends): nothing more to
      // deliver or send, so close our half and let the device close its own, which ends the
      // stream cleanly instead of resetting it (the audit log would call that a reset).
      outputDone = true;
      stream.unpipe(output);
      stream.resume();
      input.unpipe(stream);
      stream.end();
      finish();
    });
    input.pipe(stream);
    // pipe() never ends process.stdout by itself; ending it is what closes ssh's side.
    stream.pipe(output, { end: false });
    stream.once('end', () => output.end());
  });
}
