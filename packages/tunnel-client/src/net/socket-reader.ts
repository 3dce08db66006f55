import type net from 'node:net';

/** Length of the complete message at the start of `buffered`, or undefined while more is needed. */
export type MessageLength = (buffered: Buffer) => number | undefined;

/**
 * Reads one handshake message (a proxy's answer) off a socket without putting it into flowing
 * mode, and hands back whatever followed it: the socket must stay untouched for the TLS that
 * runs over it next.
 * @param fail builds the error for a peer that closes, errs or talks too much: `why` completes "the proxy …"
 */
export function readMessage(socket: net.Socket, length: MessageLength, maxBytes: number, fail: (why: string) => Error): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onReadable = (): void => {
      let chunk: Buffer | null;
      while ((chunk = socket.read() as Buffer | null) !== null) {
        buffered = Buffer.concat([buffered, chunk]);
        const need = length(buffered);
        if (need !== undefined && buffered.length >= need) {
          detach();
          if (buffered.length > need) socket.unshift(buffered.subarray(need));
          resolve(buffered.subarray(0, need));
          return;
        }
        if (buffered.length > maxBytes) {
          detach();
          reject(fail(`sent more than ${maxBytes} bytes without finishing its answer`));
          return;
        }
      }
    };
    const onEnd = (): void => {
      detach();
      reject(fail(buffered.length > 0 ? 'closed the connection in the middle of its answer' : 'closed the connection without answering'));
    };
    const onError = (err: Error): void => {
      detach();
      reject(fail(`broke the connection (${err.message})`));
    };
    function detach(): void {
      socket.off('readable', onReadable);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
      socket.off('error', onError);
    }
    socket.on('readable', onReadable);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
  });
}
