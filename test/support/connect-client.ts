import { readFileSync } from 'node:fs';
import tls from 'node:tls';

export interface ConnectAnswer {
  status: number;
  /** Header lines of the answer, lower-cased names. */
  headers: Record<string, string>;
  /** Everything after the header block that arrived with it or later (until `until` or FIN). */
  rest: Buffer;
  socket: tls.TLSSocket;
}

/**
 * Sends `CONNECT <authority>` over TLS to the server, with `head` in the same write as the
 * request (as clients that pipeline do), and reads the answer's header block plus whatever
 * follows until `done(rest)` says enough or the server closes.
 */
export function connectVia(
  port: number,
  caFile: string,
  authority: string,
  options: { token?: string; head?: Buffer | string; done?: (rest: Buffer) => boolean } = {},
): Promise<ConnectAnswer> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(caFile, 'utf8'), servername: 'localhost' });
    const auth = options.token === undefined ? '' : `Proxy-Authorization: Basic ${Buffer.from(`x:${options.token}`).toString('base64')}\r\n`;
    socket.once('secureConnect', () => {
      socket.write(Buffer.concat([Buffer.from(`CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n${auth}\r\n`), Buffer.from(options.head ?? '')]));
    });
    let buffered = Buffer.alloc(0);
    let settled = false;
    // A 200 is handed over once `done` is satisfied; a refusal is read to its end (JSON body, then close).
    const tryFinish = (ended: boolean): void => {
      const cut = buffered.indexOf('\r\n\r\n');
      if (settled || (cut < 0 && !ended)) return;
      if (cut < 0) {
        settled = true;
        reject(new Error(`connection closed before a full answer: ${JSON.stringify(buffered.toString())}`));
        return;
      }
      const [statusLine, ...lines] = buffered.subarray(0, cut).toString('latin1').split('\r\n');
      const status = Number(statusLine!.split(' ')[1]);
      const rest = buffered.subarray(cut + 4);
      const complete = ended || (status === 200 && (options.done?.(rest) ?? true));
      if (!complete) return;
      settled = true;
      socket.off('data', onData);
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const i = line.indexOf(':');
        headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
      }
      resolve({ status, headers, rest, socket });
    };
    const onData = (c: Buffer): void => {
      buffered = Buffer.concat([buffered, c]);
      tryFinish(false);
    };
    socket.on('data', onData);
    socket.once('end', () => tryFinish(true));
    socket.once('error', (err) => {
      if (!settled) reject(err);
    });
  });
}
