import { createCipheriv, createDecipheriv } from 'node:crypto';
import { Duplex } from 'node:stream';
import { SecureChannelError, SecureChannelErrorCode } from './channel-errors.js';
import type { SessionKeys } from './key-exchange.js';

/**
 * ChaCha20-Poly1305 rather than AES-GCM: as fast as AES-NI on servers, and several times faster on
 * the ARM boards without AES instructions that most devices are.
 */
const AEAD = 'chacha20-poly1305';
const TAG_BYTES = 16;
const HEADER_BYTES = 4;
/** Largest plaintext per record; bigger writes are split. A header announcing more is refused unread. */
export const MAX_RECORD_BYTES = 256 * 1024;

/**
 * The secure layer: an authenticated-encryption record layer between a byte pipe (the WebSocket)
 * and what sits on it (yamux). Each record is a 4-byte big-endian plaintext length (authenticated
 * as associated data), the ciphertext and a 16-byte tag. The nonce is a counter per direction that
 * never travels, so a record injected, altered, dropped, replayed or moved out of order fails its
 * tag, and the first such record destroys this duplex with ERR_CHANNEL_TAMPERED: nothing after
 * it is read, so nothing a middlebox made up ever reaches the session.
 */
export class SecureDuplex extends Duplex {
  private sent = 0n;
  private received = 0n;
  private chunks: Buffer[] = [];
  private bufferedBytes = 0;
  private waitingForDrain: ((err?: Error | null) => void) | null = null;

  constructor(
    readonly inner: Duplex,
    private readonly keys: SessionKeys,
  ) {
    super({ readableHighWaterMark: MAX_RECORD_BYTES, writableHighWaterMark: MAX_RECORD_BYTES });
    inner.on('data', (chunk: Buffer) => this.receive(chunk));
    inner.on('drain', () => this.drained());
    inner.once('end', () => this.innerEnded());
    inner.on('error', (err: Error) => this.destroy(err));
    inner.once('close', () => this.destroy());
  }

  override _read(): void {
    this.inner.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.send([chunk], callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void {
    this.send(
      chunks.map((c) => c.chunk),
      callback,
    );
  }

  override _final(callback: (err?: Error | null) => void): void {
    this.inner.end();
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.waitingForDrain?.(err ?? new SecureChannelError(SecureChannelErrorCode.Truncated, 'the secure channel closed'));
    this.waitingForDrain = null;
    if (!this.inner.destroyed) {
      if (err) this.inner.destroy(err);
      else this.inner.destroy();
    }
    callback(err);
  }

  private send(pieces: Buffer[], callback: (err?: Error | null) => void): void {
    if (this.inner.destroyed || !this.inner.writable) {
      callback(new SecureChannelError(SecureChannelErrorCode.Truncated, 'the connection under the secure channel is closed'));
      return;
    }
    const plain = pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces);
    const records: Buffer[] = [];
    for (let at = 0; at < plain.length; at += MAX_RECORD_BYTES) records.push(this.seal(plain.subarray(at, at + MAX_RECORD_BYTES)));
    const flowing = this.inner.write(records.length === 1 ? records[0]! : Buffer.concat(records));
    if (flowing) callback();
    else this.waitingForDrain = callback;
  }

  private drained(): void {
    const callback = this.waitingForDrain;
    this.waitingForDrain = null;
    callback?.();
  }

  private seal(plain: Buffer): Buffer {
    const record = Buffer.allocUnsafe(HEADER_BYTES + plain.length + TAG_BYTES);
    record.writeUInt32BE(plain.length, 0);
    const cipher = createCipheriv(AEAD, this.keys.send, nonce(this.sent++), { authTagLength: TAG_BYTES });
    cipher.setAAD(record.subarray(0, HEADER_BYTES), { plaintextLength: plain.length });
    const body = cipher.update(plain);
    body.copy(record, HEADER_BYTES);
    cipher.final();
    cipher.getAuthTag().copy(record, HEADER_BYTES + plain.length);
    return record;
  }

  private receive(chunk: Buffer): void {
    if (this.destroyed) return;
    this.chunks.push(chunk);
    this.bufferedBytes += chunk.length;
    while (this.bufferedBytes >= HEADER_BYTES) {
      const head = this.peekBytes(HEADER_BYTES);
      const length = head.readUInt32BE(0);
      if (length > MAX_RECORD_BYTES) {
        this.destroy(new SecureChannelError(SecureChannelErrorCode.RecordTooLarge, `a record announced ${length} bytes, more than the ${MAX_RECORD_BYTES} a peer sends`));
        return;
      }
      const total = HEADER_BYTES + length + TAG_BYTES;
      if (this.bufferedBytes < total) return;
      const record = this.consumeBytes(total);
      const plain = this.open(record, length);
      if (plain === null) return;
      if (plain.length > 0 && !this.push(plain)) this.inner.pause();
    }
  }

  private open(record: Buffer, length: number): Buffer | null {
    const counter = this.received++;
    try {
      const decipher = createDecipheriv(AEAD, this.keys.receive, nonce(counter), { authTagLength: TAG_BYTES });
      decipher.setAAD(record.subarray(0, HEADER_BYTES), { plaintextLength: length });
      decipher.setAuthTag(record.subarray(HEADER_BYTES + length));
      const plain = decipher.update(record.subarray(HEADER_BYTES, HEADER_BYTES + length));
      decipher.final();
      return plain;
    } catch {
      this.destroy(
        new SecureChannelError(
          SecureChannelErrorCode.Tampered,
          `record ${counter} failed authentication: something between device and server injected, altered, reordered or replayed data; the session is closed`,
        ),
      );
      return null;
    }
  }

  private innerEnded(): void {
    if (this.bufferedBytes > 0) {
      this.destroy(new SecureChannelError(SecureChannelErrorCode.Truncated, `the connection ended inside a record (${this.bufferedBytes} bytes of it arrived)`));
      return;
    }
    this.push(null);
  }

  /** The first n buffered bytes, without consuming them. */
  private peekBytes(n: number): Buffer {
    this.gather(n);
    return this.chunks[0]!.subarray(0, n);
  }

  private consumeBytes(n: number): Buffer {
    this.gather(n);
    const first = this.chunks[0]!;
    const taken = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.bufferedBytes -= n;
    return taken;
  }

  /** Joins just enough leading chunks that the first holds n bytes (joining all would copy a backlog once per record). */
  private gather(n: number): void {
    if (this.chunks[0]!.length >= n) return;
    let count = 0;
    for (let size = 0; size < n; count++) size += this.chunks[count]!.length;
    this.chunks.splice(0, count, Buffer.concat(this.chunks.slice(0, count)));
  }
}

/** 96-bit nonce: four zero bytes, then the record counter (each direction has its own key). */
function nonce(counter: bigint): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(counter, 4);
  return n;
}
