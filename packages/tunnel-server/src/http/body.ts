import type { IncomingMessage } from 'node:http';
import { CodedError } from '@tunnel/protocol/errors';
import { HttpErrorCode } from './http-error.js';

/** Reads a JSON request body of at most maxBytes; a bigger or malformed body is a coded 400. */
export function readJsonBody(req: IncomingMessage, maxBytes = 16 * 1024): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new CodedError(HttpErrorCode.BodyTooLarge, `request body exceeds ${maxBytes} bytes`));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown);
      } catch {
        reject(new CodedError(HttpErrorCode.BadJson, 'request body is not valid JSON'));
      }
    });
    req.on('error', reject);
  });
}

/** The client's address as the socket sees it (a TCP load balancer keeps it). */
export function remoteAddressOf(req: IncomingMessage): string {
  return req.socket.remoteAddress ?? 'unknown';
}
