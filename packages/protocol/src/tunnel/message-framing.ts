import type { Duplex, Readable } from 'node:stream';
import { CodedError } from '../errors.js';
import { FramingErrorCode } from './tunnel-errors.js';

/** Largest handshake message; anything longer is a broken or hostile peer. */
export const MAX_MESSAGE_BYTES = 8 * 1024;

/** Writes one message: a 2-byte big-endian length, then UTF-8 JSON. */
export function writeMessage(stream: Duplex, message: object): void {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (body.length > MAX_MESSAGE_BYTES) {
    throw new CodedError(FramingErrorCode.TooLarge, `handshake message of ${body.length} bytes exceeds ${MAX_MESSAGE_BYTES}`);
  }
  const header = Buffer.allocUnsafe(2);
  header.writeUInt16BE(body.length, 0);
  stream.write(Buffer.concat([header, body]));
}

/**
 * Reads exactly one message and nothing after it: bytes that arrived in the same chunk (the
 * first bytes of the payload, an SSH banner) stay in the stream for whoever reads next.
 */
export function readMessage(stream: Readable, timeoutMs: number): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let length = -1;
    const timer = setTimeout(() => finish(new CodedError(FramingErrorCode.Timeout, `no handshake answer within ${timeoutMs} ms`)), timeoutMs);
    timer.unref();

    const onReadable = (): void => {
      if (length < 0) {
        const head = stream.read(2) as Buffer | null;
        if (head === null) return;
        length = head.readUInt16BE(0);
        if (length > MAX_MESSAGE_BYTES) {
          finish(new CodedError(FramingErrorCode.TooLarge, `handshake message of ${length} bytes exceeds ${MAX_MESSAGE_BYTES}`));
          return;
        }
      }
      const body = length === 0 ? Buffer.alloc(0) : (stream.read(length) as Buffer | null);
      if (body === null) return;
      try {
        finish(undefined, JSON.parse(body.toString('utf8')) as unknown);
      } catch {
        finish(new CodedError(FramingErrorCode.Malformed, 'handshake message is not valid JSON'));
      }
    };
    const onEnd = (): void => finish(new CodedError(FramingErrorCode.Ended, 'the stream ended before the handshake completed'));
    const onError = (err: Error): void => finish(err);

    function finish(err: Error | undefined, value?: unknown): void {
      clearTimeout(timer);
      stream.off('readable', onReadable);
      stream.off('end', onEnd);
      stream.off('error', onError);
      if (err) reject(err);
      else resolve(value);
    }

    stream.on('readable', onReadable);
    stream.once('end', onEnd);
    stream.once('error', onError);
    onReadable();
  });
}
