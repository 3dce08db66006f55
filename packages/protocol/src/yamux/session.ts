import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { resolveYamuxConfig, type YamuxConfig } from './config.js';
import { Flag, FrameType, GoAwayCode, MAX_UINT32, SESSION_STREAM_ID } from './constants.js';
import { FrameDecoder, type FrameHandler } from './decoder.js';
import { FrameEncoder } from './encoder.js';
import { YamuxError, YamuxErrorCode, YamuxProtocolError } from './errors.js';
import { describeHeader, type FrameHeader } from './frame.js';
import { RemoteIdTracker } from './remote-ids.js';
import { YamuxStream, type StreamHost } from './stream.js';

export interface YamuxSessionOptions {
  /** The client opens odd stream ids, the server even ones. */
  role: 'client' | 'server';
  config?: Partial<YamuxConfig>;
}

export interface YamuxSessionEvents {
  /** A new incoming stream, already acknowledged. Without listeners streams queue for accept(). */
  stream: [stream: YamuxStream];
  /** The peer sent GoAway; existing streams go on, new ones cannot be opened. */
  goaway: [code: GoAwayCode];
  /** The session is over; err is undefined after a normal close by either side. */
  close: [err: YamuxError | undefined];
}

/**
 * A transport that can hand what it receives straight to one consumer rather than through its
 * readable side (the WebSocket adapter can: one stream layer less for every message).
 */
export interface DirectReadable {
  consumeDirectly(onData: (chunk: Buffer) => void): void;
}

function isDirectReadable(transport: Duplex): transport is Duplex & DirectReadable {
  return typeof (transport as Partial<DirectReadable>).consumeDirectly === 'function';
}

interface PendingPing {
  started: bigint;
  resolve: (rttMs: number) => void;
  reject: (err: Error) => void;
}

/**
 * A yamux session over any byte Duplex (TCP, TLS, the WebSocket adapter). Implements
 * hashicorp/yamux spec.md: odd/even stream ids, SYN/ACK/FIN/RST, per-stream windows,
 * Ping with RTT, keepalive, GoAway. Anything the peer sends that the spec forbids ends the
 * session with GoAway(protocol error) and an error carrying a stable code; it never throws
 * out of an event handler and never buffers beyond the windows it granted.
 */
export class YamuxSession extends EventEmitter<YamuxSessionEvents> implements StreamHost, FrameHandler {
  readonly role: 'client' | 'server';
  readonly config: YamuxConfig;
  private readonly transport: Duplex;
  private readonly decoder: FrameDecoder;
  private readonly encoder: FrameEncoder;
  private readonly streams = new Map<number, YamuxStream>();
  private readonly backlog: YamuxStream[] = [];
  private readonly acceptWaiters: { resolve: (s: YamuxStream) => void; reject: (e: Error) => void }[] = [];
  private readonly roomWaiters = new Set<YamuxStream>();
  private readonly pings = new Map<number, PendingPing>();
  /** Resolved when the last stream closes (for drain). */
  private readonly idleWaiters: (() => void)[] = [];
  private nextStreamId: number;
  private readonly remoteIds: RemoteIdTracker;
  private nextPingId = 1;
  private keepAliveTimer: NodeJS.Timeout | null = null;
  private keepAliveDeadline: NodeJS.Timeout | null = null;
  /** The peer sent something of its own accord (a ping, stream frames) since the last keepalive tick. */
  private heardFromPeer = false;
  private readingPaused = false;
  /** The GoAway code we sent, if any. */
  private sentGoAway: GoAwayCode | null = null;
  private remoteGoAway = false;
  private closedWith: YamuxError | null | undefined = undefined;
  private lastRtt: number | undefined;

  constructor(transport: Duplex, options: YamuxSessionOptions) {
    super();
    this.role = options.role;
    this.config = resolveYamuxConfig(options.config);
    this.transport = transport;
    this.nextStreamId = this.role === 'client' ? 1 : 2;
    this.remoteIds = new RemoteIdTracker(this.role === 'client' ? 0 : 1, this.config.maxConcurrentStreams);
    this.decoder = new FrameDecoder(this);
    this.encoder = new FrameEncoder(transport, () => this.afterFlush());

    if (isDirectReadable(transport)) transport.consumeDirectly((chunk) => this.receive(chunk));
    else transport.on('data', (chunk: Buffer) => this.receive(chunk));
    transport.on('drain', () => this.afterFlush());
    transport.once('end', () => this.transportEnded('the connection was closed by the peer'));
    transport.once('close', () => this.transportEnded('the connection closed'));
    transport.on('error', (err: Error) =>
      this.close(new YamuxError(YamuxErrorCode.TransportClosed, `the connection failed: ${err.message}`, { cause: err })),
    );
    // Streams queued while nobody listened go to the first listener that turns up.
    // 'newListener' is Node's own event, outside the typed event map.
    (this as unknown as EventEmitter).on('newListener', (event: string | symbol) => {
      if (event === 'stream' && this.backlog.length > 0) process.nextTick(() => this.flushBacklog());
    });
    if (this.config.enableKeepAlive) this.startKeepAlive();
  }

  // ---- public API ----------------------------------------------------------------------------------

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /** Number of streams currently open (either direction). */
  get streamCount(): number {
    return this.streams.size;
  }

  /** Round-trip time of the last answered ping, in milliseconds. */
  get rtt(): number | undefined {
    return this.lastRtt;
  }

  get goneAway(): { local: boolean; remote: boolean } {
    return { local: this.sentGoAway !== null, remote: this.remoteGoAway };
  }

  /**
   * Opens a stream. Returns at once: data may be written before the peer's ACK arrives
   * (the spec allows it), within the initial window.
   */
  open(): YamuxStream {
    this.assertCanOpen();
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    const stream = new YamuxStream(this, id, 'local');
    this.streams.set(id, stream);
    stream.sendSyn(this.config.streamOpenTimeout, (s) =>
      s.destroy(new YamuxError(YamuxErrorCode.OpenTimeout, `stream ${s.id} was not acknowledged within ${this.config.streamOpenTimeout} ms`)),
    );
    return stream;
  }

  /** Takes the next incoming stream (used while nobody listens for 'stream'). */
  accept(): Promise<YamuxStream> {
    const queued = this.backlog.shift();
    if (queued) {
      queued.sendAck();
      handOver(queued);
      return Promise.resolve(queued);
    }
    if (this.closedWith !== undefined) return Promise.reject(this.closedError());
    return new Promise((resolve, reject) => this.acceptWaiters.push({ resolve, reject }));
  }

  /** Sends a Ping and resolves with the round-trip time in milliseconds. */
  ping(): Promise<number> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedError());
    const id = this.nextPingId;
    this.nextPingId = this.nextPingId === MAX_UINT32 ? 1 : this.nextPingId + 1;
    return new Promise((resolve, reject) => {
      this.pings.set(id, { started: process.hrtime.bigint(), resolve, reject });
      this.encoder.control(FrameType.Ping, Flag.SYN, SESSION_STREAM_ID, id);
    });
  }

  /** Tells the peer we take no new streams. Existing streams go on; close() ends the session. */
  goAway(code: GoAwayCode = GoAwayCode.Normal): void {
    if (this.sentGoAway !== null || this.closedWith !== undefined) return;
    this.sendGoAway(code);
  }

  /**
   * Ends the session: GoAway (normal, or protocol error for a YamuxProtocolError), every open
   * stream destroyed (with err, if given), the transport flushed and ended.
   */
  close(err?: YamuxError): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = err ?? null;
    this.stopKeepAlive();
    if (this.transport.writable) {
      const code = goAwayCodeFor(err);
      // A drain's normal GoAway does not hide a later error from the peer.
      if (this.sentGoAway === null || (this.sentGoAway === GoAwayCode.Normal && code !== GoAwayCode.Normal)) this.sendGoAway(code);
      this.encoder.flush();
    }
    this.encoder.close();

    // As http2 does: a clean close destroys unfinished streams without an error (readers still
    // see a premature close), a failed session passes its error on.
    for (const stream of [...this.streams.values()]) stream.abort(err ?? null);
    this.streams.clear();
    this.backlog.length = 0;
    this.roomWaiters.clear();
    for (const waiter of this.acceptWaiters.splice(0)) waiter.reject(this.closedError());
    for (const ping of this.pings.values()) ping.reject(this.closedError());
    this.pings.clear();
    for (const idle of this.idleWaiters.splice(0)) idle();

    if (!this.transport.destroyed) {
      if (err?.code === YamuxErrorCode.KeepAliveTimeout) {
        // The link is dead: a graceful end would wait on a peer that cannot answer.
        this.transport.destroy(err);
      } else {
        this.transport.end();
        const timer = setTimeout(() => this.transport.destroy(err), this.config.closeTimeout);
        timer.unref();
        this.transport.once('close', () => clearTimeout(timer));
      }
    }
    this.emit('close', err);
  }

  /**
   * Graceful end: GoAway, then wait for open streams to finish (up to timeoutMs), then close.
   */
  async drain(timeoutMs: number): Promise<void> {
    this.goAway();
    if (this.streams.size > 0 && this.closedWith === undefined) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    this.close();
  }

  // ---- StreamHost ----------------------------------------------------------------------------------

  get maxStreamWindow(): number {
    return this.config.maxStreamWindow;
  }

  get maxFrameSize(): number {
    return this.config.maxFrameSize;
  }

  sendControl(type: FrameType, flags: number, streamId: number, length: number): void {
    if (this.closedWith === undefined) this.encoder.control(type, flags, streamId, length);
  }

  sendData(flags: number, streamId: number, payload: Buffer): void {
    if (this.closedWith === undefined) this.encoder.data(flags, streamId, payload);
  }

  hasRoom(): boolean {
    return !this.transport.writableNeedDrain && this.encoder.pending < this.config.maxFrameSize * 4;
  }

  waitForRoom(stream: YamuxStream): void {
    this.roomWaiters.add(stream);
  }

  streamClosed(stream: YamuxStream): void {
    if (this.streams.get(stream.id) === stream) this.streams.delete(stream.id);
    this.roomWaiters.delete(stream);
    const i = this.backlog.indexOf(stream);
    if (i >= 0) this.backlog.splice(i, 1);
    if (this.streams.size === 0) for (const idle of this.idleWaiters.splice(0)) idle();
  }

  // ---- FrameHandler --------------------------------------------------------------------------------

  onHeader(h: FrameHeader): void {
    // An answer to our own ping proves only that our pings work; anything else shows the peer alive
    // without our asking (see startKeepAlive).
    if (h.type !== FrameType.Ping || (h.flags & Flag.ACK) === 0) this.heardFromPeer = true;
    switch (h.type) {
      case FrameType.Data:
      case FrameType.WindowUpdate:
        this.onStreamHeader(h);
        return;
      case FrameType.Ping:
      case FrameType.GoAway:
        if (h.streamId !== SESSION_STREAM_ID) {
          throw new YamuxProtocolError(YamuxErrorCode.BadStreamId, `session frame on stream ${h.streamId} (${describeHeader(h)})`);
        }
        return;
    }
  }

  onPayload(h: FrameHeader, payload: Buffer): void {
    this.streams.get(h.streamId)?.handlePayload(payload);
  }

  onFrameEnd(h: FrameHeader): void {
    switch (h.type) {
      case FrameType.Data:
        this.streams.get(h.streamId)?.handleCloseFlags(h.flags);
        return;
      case FrameType.WindowUpdate:
        this.streams.get(h.streamId)?.handleWindowUpdate(h.flags, h.length);
        return;
      case FrameType.Ping:
        this.onPing(h);
        return;
      case FrameType.GoAway:
        this.onGoAway(h.length);
        return;
    }
  }

  // ---- internals -----------------------------------------------------------------------------------

  private receive(chunk: Buffer): void {
    if (this.closedWith !== undefined) return;
    try {
      this.decoder.write(chunk);
    } catch (err) {
      this.close(asYamuxError(err));
      return;
    }
    // A peer that floods pings or SYNs without reading our replies must not grow our memory.
    if (!this.readingPaused && this.transport.writableLength > this.config.maxSendBuffer) {
      this.readingPaused = true;
      this.transport.pause();
    }
  }

  private onStreamHeader(h: FrameHeader): void {
    const id = h.streamId;
    if (id === SESSION_STREAM_ID) {
      throw new YamuxProtocolError(YamuxErrorCode.BadStreamId, `stream frame on the session id 0 (${describeHeader(h)})`);
    }
    // No window we grant is ever larger, whatever the stream; caught before any stream lookup.
    if (h.type === FrameType.Data && h.length > this.config.maxStreamWindow) {
      throw new YamuxProtocolError(YamuxErrorCode.FrameTooLarge, `data frame larger than any window we grant (${describeHeader(h)})`);
    }
    if (h.flags & Flag.SYN) {
      this.onSyn(h);
    }
    const stream = this.streams.get(id);
    if (stream === undefined) {
      this.checkClosedStream(h);
      return;
    }
    if (h.type === FrameType.Data) stream.admitData(h.flags, h.length);
  }

  private onSyn(h: FrameHeader): void {
    const id = h.streamId;
    const remoteParity = this.role === 'client' ? 0 : 1;
    if (id % 2 !== remoteParity) {
      throw new YamuxProtocolError(YamuxErrorCode.BadStreamId, `peer opened stream ${id}, an id of our parity (${describeHeader(h)})`);
    }
    if (this.streams.has(id) || !this.remoteIds.open(id)) {
      throw new YamuxProtocolError(YamuxErrorCode.DuplicateStream, `peer reopened stream ${id} (${describeHeader(h)})`);
    }
    if (this.sentGoAway !== null || this.streams.size >= this.config.maxConcurrentStreams) {
      this.refuse(id);
      return;
    }
    const queue = this.listenerCount('stream') === 0 && this.acceptWaiters.length === 0;
    if (queue && this.backlog.length >= this.config.acceptBacklog) {
      this.refuse(id);
      return;
    }
    const stream = new YamuxStream(this, id, 'remote');
    // Nobody can listen for errors on a stream they have not been given yet; a RST or the
    // session closing before then must not surface as an unhandled 'error'.
    stream.on('error', swallow);
    this.streams.set(id, stream);
    if (queue) {
      this.backlog.push(stream);
      return;
    }
    stream.sendAck();
    const waiter = this.acceptWaiters.shift();
    // Deliver after the SYN frame (and any payload riding on it) has been taken in.
    process.nextTick(() => {
      if (waiter) waiter.resolve(stream);
      else this.emit('stream', stream);
      handOver(stream);
    });
  }

  private flushBacklog(): void {
    while (this.backlog.length > 0 && this.listenerCount('stream') > 0) {
      const stream = this.backlog.shift()!;
      stream.sendAck();
      this.emit('stream', stream);
      handOver(stream);
    }
  }

  private refuse(id: number): void {
    this.encoder.control(FrameType.WindowUpdate, Flag.RST, id, 0);
  }

  /**
   * Frames for streams that closed recently are normal (they were in flight) and are dropped.
   * A frame for an id that was never opened is a protocol error.
   */
  private checkClosedStream(h: FrameHeader): void {
    const localParity = this.role === 'client' ? 1 : 0;
    const neverOpened = h.streamId % 2 === localParity ? h.streamId >= this.nextStreamId : this.remoteIds.neverOpened(h.streamId);
    if (neverOpened) {
      throw new YamuxProtocolError(YamuxErrorCode.UnknownStream, `frame for stream ${h.streamId}, which was never opened (${describeHeader(h)})`);
    }
  }

  private onPing(h: FrameHeader): void {
    if (h.flags & Flag.SYN) {
      this.encoder.control(FrameType.Ping, Flag.ACK, SESSION_STREAM_ID, h.length);
      return;
    }
    if (h.flags & Flag.ACK) {
      const ping = this.pings.get(h.length);
      if (!ping) return;
      this.pings.delete(h.length);
      const rtt = Number(process.hrtime.bigint() - ping.started) / 1e6;
      this.lastRtt = rtt;
      ping.resolve(rtt);
    }
  }

  private onGoAway(code: number): void {
    this.remoteGoAway = true;
    if (code === GoAwayCode.Normal) {
      this.emit('goaway', code);
      return;
    }
    const what = code === GoAwayCode.ProtocolError ? 'a protocol error' : code === GoAwayCode.InternalError ? 'an internal error' : `code ${code}`;
    this.emit('goaway', code);
    this.close(new YamuxError(YamuxErrorCode.RemoteError, `the peer closed the session reporting ${what}`));
  }

  private sendGoAway(code: GoAwayCode): void {
    this.sentGoAway = code;
    this.encoder.control(FrameType.GoAway, 0, SESSION_STREAM_ID, code);
  }

  /** After the peer's normal GoAway the end of the connection is the expected, clean finish. */
  private transportEnded(why: string): void {
    this.close(this.remoteGoAway ? undefined : new YamuxError(YamuxErrorCode.TransportClosed, why));
  }

  private afterFlush(): void {
    if (this.readingPaused && this.transport.writableLength <= this.config.maxSendBuffer / 2) {
      this.readingPaused = false;
      this.transport.resume();
    }
    if (this.roomWaiters.size === 0) return;
    if (this.transport.writableNeedDrain) return;
    for (const stream of this.roomWaiters) {
      if (!this.hasRoom()) return;
      this.roomWaiters.delete(stream);
      stream.resumeWrite();
    }
  }

  private assertCanOpen(): void {
    if (this.closedWith !== undefined) throw this.closedError();
    if (this.remoteGoAway) throw new YamuxError(YamuxErrorCode.RemoteGoAway, 'the peer is going away and takes no new streams');
    if (this.sentGoAway !== null) throw new YamuxError(YamuxErrorCode.LocalGoAway, 'this session is going away and opens no new streams');
    if (this.streams.size >= this.config.maxConcurrentStreams) {
      throw new YamuxError(YamuxErrorCode.TooManyStreams, `already ${this.streams.size} streams open (maxConcurrentStreams)`);
    }
    if (this.nextStreamId > MAX_UINT32) {
      throw new YamuxError(YamuxErrorCode.StreamIdsExhausted, 'all stream ids of this session are used; open a new session');
    }
  }

  private closedError(): YamuxError {
    return this.closedWith ?? new YamuxError(YamuxErrorCode.SessionClosed, 'the session is closed');
  }

  /**
   * A ping every interval. With keepAliveWhenQuiet, only after an interval in which the peer said
   * nothing of its own accord: a peer that pings us (or carries traffic) is known alive already.
   */
  private startKeepAlive(): void {
    this.keepAliveTimer = setInterval(() => {
      if (this.keepAliveDeadline !== null) return;
      const heard = this.heardFromPeer;
      this.heardFromPeer = false;
      if (heard && this.config.keepAliveWhenQuiet) return;
      this.keepAliveDeadline = setTimeout(() => {
        this.close(new YamuxError(YamuxErrorCode.KeepAliveTimeout, `no answer to a keepalive ping within ${this.config.keepAliveTimeout} ms`));
      }, this.config.keepAliveTimeout);
      this.keepAliveDeadline.unref();
      this.ping().then(
        () => this.clearKeepAliveDeadline(),
        () => this.clearKeepAliveDeadline(),
      );
    }, this.config.keepAliveInterval);
    this.keepAliveTimer.unref();
  }

  private clearKeepAliveDeadline(): void {
    if (this.keepAliveDeadline !== null) {
      clearTimeout(this.keepAliveDeadline);
      this.keepAliveDeadline = null;
    }
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer !== null) clearInterval(this.keepAliveTimer);
    this.keepAliveTimer = null;
    this.clearKeepAliveDeadline();
  }
}

function swallow(): void {}

/** Lets the 'error' events of a delivered stream reach its new owner (after they had a turn to listen). */
function handOver(stream: YamuxStream): void {
  setImmediate(() => stream.off('error', swallow));
}

function asYamuxError(err: unknown): YamuxError {
  if (err instanceof YamuxError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new YamuxError(YamuxErrorCode.Internal, `internal error: ${message}`, { cause: err });
}

function goAwayCodeFor(err: YamuxError | undefined): GoAwayCode {
  if (err instanceof YamuxProtocolError) return GoAwayCode.ProtocolError;
  if (err?.code === YamuxErrorCode.Internal) return GoAwayCode.InternalError;
  return GoAwayCode.Normal;
}
