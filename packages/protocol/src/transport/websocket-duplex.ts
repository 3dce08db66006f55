import { Duplex, type Writable } from 'node:stream';
import WebSocket from 'ws';
import { CodedError } from '../errors.js';
import { CloseCode, isCleanClose, MAX_WS_MESSAGE_BYTES } from '../wire.js';
import { DataFrameReader } from './websocket-data-reader.js';
import { binaryFrameHeader } from './websocket-frames.js';
import { WebSocketErrorCode } from './transport-errors.js';

export interface WebSocketDuplexOptions {
  /**
   * Bytes queued in the WebSocket (ws's bufferedAmount) above which writes report backpressure.
   * Default 256 KiB.
   */
  highWaterMark?: number;
}

/** Largest data frame read off the socket directly; bigger ones go to ws, which enforces its own maxPayload. */
const MAX_DIRECT_FRAME = MAX_WS_MESSAGE_BYTES;
/**
 * Writes up to this size leave as one buffer (header and payload copied together): one plain
 * write costs less than a corked writev of several pieces, and copying a few KiB costs next to nothing.
 */
const COALESCE_LIMIT = 16 * 1024;

/**
 * The socket under a ws WebSocket. ws keeps it in `_socket` (since ws 1.0) and has no public
 * getter; without it (another ws version, a mock) the duplex falls back to ws.send().
 */
function socketOf(ws: WebSocket): Duplex | null {
  const socket = (ws as unknown as { _socket?: unknown })._socket;
  return socket instanceof Duplex ? socket : null;
}

/** What the direct reader needs of ws's Receiver (ws 8): where to send the frames it does not take. */
interface WsReceiver extends Writable {
  _bufferedBytes: number;
  _state: number;
  _fragments: unknown[];
}

/** ws's Receiver (`_receiver`, ws >= 2), or null if this ws keeps it elsewhere. */
function receiverOf(ws: WebSocket): WsReceiver | null {
  const receiver = (ws as unknown as { _receiver?: Partial<WsReceiver> })._receiver;
  const looksRight =
    receiver !== undefined &&
    receiver !== null &&
    typeof receiver.write === 'function' &&
    typeof receiver._bufferedBytes === 'number' &&
    typeof receiver._state === 'number' &&
    Array.isArray(receiver._fragments);
  return looksRight ? (receiver as WsReceiver) : null;
}

/** ws's Receiver holds no part of a frame: a frame parser starting at the next socket byte starts at a frame. */
function receiverIdle(receiver: WsReceiver): boolean {
  // 0 is GET_INFO, the state between frames.
  return receiver._bufferedBytes === 0 && receiver._state === 0 && receiver._fragments.length === 0;
}

/**
 * A WebSocket as a plain byte pipe. Message boundaries mean nothing: a frame of the protocol
 * inside may span messages and one message may carry many. Writes queued while the socket is
 * busy are sent as one message (Writable batching through _writev), and backpressure follows
 * ws's bufferedAmount, so a slow link slows the writer instead of growing a queue.
 */
export class WebSocketDuplex extends Duplex {
  readonly ws: WebSocket;
  private readonly highWaterMark: number;
  /** Where data frames go directly; null: through ws.send(). */
  private readonly socket: Duplex | null;
  /** ws documents `url` as absent on server-side sockets: clients must mask what they send. */
  private readonly masked: boolean;
  private closedByPeer = false;
  private closeCode: number = CloseCode.Normal;
  private closeReason = '';
  /** ws's Receiver, for the frames the direct reader leaves to it; null: ws reads everything itself. */
  private readonly receiver: WsReceiver | null;
  /** The socket's bytes go through our DataFrameReader rather than ws's Receiver. */
  private readingDirectly = false;
  /** Set by consumeDirectly: received bytes go here instead of through the readable side. */
  private consumer: ((chunk: Buffer) => void) | null = null;

  constructor(ws: WebSocket, options: WebSocketDuplexOptions = {}) {
    super({ allowHalfOpen: false, writableHighWaterMark: 64 * 1024, readableHighWaterMark: 256 * 1024 });
    this.ws = ws;
    this.highWaterMark = options.highWaterMark ?? 256 * 1024;
    this.socket = socketOf(ws);
    this.receiver = this.socket === null ? null : receiverOf(ws);
    this.masked = typeof ws.url === 'string' && ws.url !== '';
    ws.binaryType = 'nodebuffer';
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary) {
        this.destroy(new CodedError(WebSocketErrorCode.TextMessage, 'received a text WebSocket message; the tunnel carries binary only'));
        return;
      }
      this.received(data);
      // A message ws parsed may have arrived in the same read as the handshake before it.
      if (!this.readingDirectly && this.receiver !== null) process.nextTick(() => this.takeOverSocket());
    });
    ws.once('close', (code: number, reason: Buffer) => {
      this.closedByPeer = true;
      if (isCleanClose(code)) {
        this.push(null);
        // With allowHalfOpen false the writable side ends too; make sure 'close' follows.
        this.end();
      } else {
        const why = reason.length > 0 ? `: ${reason.toString()}` : '';
        this.destroy(new CodedError(WebSocketErrorCode.Closed, `WebSocket closed with code ${code}${why}`));
      }
    });
    ws.on('error', (err: Error) => this.destroy(err));
    this.takeOverSocket();
  }

  /**
   * Close code and reason sent when the byte stream ends, e.g. CloseCode.Drain with a reconnect hint
   * when a server drains. Default CloseCode.Normal.
   */
  setCloseReason(code: number, reason: string): void {
    this.closeCode = code;
    this.closeReason = reason;
  }

  override _read(): void {
    this.ws.resume();
  }

  /**
   * Hands every received byte to onData instead of the readable side, which then only reports the
   * end: for a single consumer (a yamux session) that is one stream layer less per message.
   * pause() and resume() keep working, on the socket itself.
   */
  consumeDirectly(onData: (chunk: Buffer) => void): void {
    this.consumer = onData;
    // Flowing, so that 'end' is still emitted when the peer closes.
    this.resume();
  }

  override pause(): this {
    if (this.consumer === null) return super.pause();
    this.ws.pause();
    return this;
  }

  override resume(): this {
    if (this.consumer !== null) this.ws.resume();
    return super.resume();
  }

  private received(data: Buffer): void {
    if (this.consumer !== null) this.consumer(data);
    else if (!this.push(data)) this.ws.pause();
  }

  /**
   * Takes the socket's 'data' events over from ws once ws holds no partial frame, so data frames
   * skip ws's Receiver; ws still gets every other frame (see DataFrameReader). Without access to
   * ws's internals (another ws version) everything stays with ws, as correct and slower.
   */
  private takeOverSocket(): void {
    const { socket, receiver } = this;
    if (this.readingDirectly || socket === null || receiver === null || this.ws.readyState !== WebSocket.OPEN) return;
    if (!receiverIdle(receiver)) return;
    this.readingDirectly = true;
    const reader = new DataFrameReader(
      {
        data: (payload) => this.received(payload),
        // ws's own 'data' listener does the same with what it reads.
        other: (bytes) => {
          if (!receiver.write(bytes)) socket.pause();
        },
      },
      { expectMasked: !this.masked, maxPayload: MAX_DIRECT_FRAME },
    );
    for (const listener of socket.listeners('data')) socket.off('data', listener as (chunk: Buffer) => void);
    socket.on('data', (chunk: Buffer) => reader.write(chunk));
    // On close ws reads what a paused socket still buffers into its Receiver; it must pass here first.
    socket.prependListener('close', () => {
      for (let chunk = socket.read() as Buffer | null; chunk !== null; chunk = socket.read() as Buffer | null) reader.write(chunk);
    });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.sendAll([chunk], callback);
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (err?: Error | null) => void): void {
    this.sendAll(chunks.map((c) => c.chunk), callback);
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (!this.closedByPeer && this.ws.readyState === WebSocket.OPEN) this.ws.close(this.closeCode, this.closeReason);
    callback();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    // With an error (a dead link) even a close handshake already under way is cut short.
    if (err && this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    else if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(this.closeCode, this.closeReason);
    callback(err);
  }

  /**
   * Everything queued leaves as one message per MAX_WS_MESSAGE_BYTES, written straight to the socket
   * behind one frame header each: no concatenation, and the socket (corked) hands TLS one batch.
   * ws's own frames (pong, close) are written whole in between, never inside ours.
   */
  private sendAll(chunks: Buffer[], callback: (err?: Error | null) => void): void {
    if (this.ws.readyState !== WebSocket.OPEN) {
      callback(new CodedError(WebSocketErrorCode.Closed, 'write on a WebSocket that is not open'));
      return;
    }
    const socket = this.socket;
    if (socket === null || socket.destroyed) {
      this.send(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), callback);
      return;
    }
    let bytes = 0;
    for (const chunk of chunks) bytes += chunk.length;
    if (bytes <= COALESCE_LIMIT) {
      const header = binaryFrameHeader(bytes, this.masked);
      socket.write(Buffer.concat([header, ...chunks], header.length + bytes));
    } else {
      socket.cork();
      for (const message of messages(chunks)) {
        socket.write(binaryFrameHeader(message.bytes, this.masked));
        for (const piece of message.pieces) socket.write(piece);
      }
      socket.uncork();
    }
    if (socket.writableLength <= this.highWaterMark) {
      callback();
      return;
    }
    // Congested: further writes queue in this Writable (and leave as one message) until the
    // socket drains, so a slow link slows the writer instead of growing the socket's queue.
    const done = (err?: Error | null): void => {
      socket.off('drain', onDrain);
      socket.off('close', onClose);
      callback(err ?? null);
    };
    const onDrain = (): void => done();
    const onClose = (): void => done(new CodedError(WebSocketErrorCode.Closed, 'the WebSocket closed with data still queued'));
    socket.on('drain', onDrain);
    socket.on('close', onClose);
  }

  private send(data: Buffer, callback: (err?: Error | null) => void): void {
    if (this.ws.bufferedAmount + data.length <= this.highWaterMark) {
      this.ws.send(data, { binary: true });
      callback();
      return;
    }
    // Congested: hold the write callback until this message reaches the socket, so further
    // writes queue in the Writable (and leave as one message) instead of inside ws.
    this.ws.send(data, { binary: true }, (err) => callback(err ?? null));
  }
}

/**
 * `generateMask` for our WebSocket clients (agent, CLI): an all-zero mask, which `ws` neither
 * applies on send nor removes on receipt. Masking protects transparent proxies from script in
 * browsers choosing plaintext WebSocket bytes; our clients run no foreign script and always talk
 * inside TLS, so the mask would only cost a pass over every byte on both ends.
 */
export function zeroMask(mask: Buffer): void {
  mask.fill(0);
}

/** Cuts queued chunks into messages of at most MAX_WS_MESSAGE_BYTES (without copying). */
function* messages(chunks: readonly Buffer[]): Generator<{ bytes: number; pieces: Buffer[] }> {
  let pieces: Buffer[] = [];
  let bytes = 0;
  for (const chunk of chunks) {
    let offset = 0;
    while (offset < chunk.length) {
      const n = Math.min(chunk.length - offset, MAX_WS_MESSAGE_BYTES - bytes);
      pieces.push(offset === 0 && n === chunk.length ? chunk : chunk.subarray(offset, offset + n));
      bytes += n;
      offset += n;
      if (bytes === MAX_WS_MESSAGE_BYTES) {
        yield { bytes, pieces };
        pieces = [];
        bytes = 0;
      }
    }
  }
  if (bytes > 0) yield { bytes, pieces };
}
