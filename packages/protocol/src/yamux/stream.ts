import { Duplex } from 'node:stream';
import { Flag, FrameType, INITIAL_STREAM_WINDOW, MAX_UINT32 } from './constants.js';
import { YamuxError, YamuxErrorCode, YamuxProtocolError } from './errors.js';

/** What a stream needs from its session; kept narrow so the two stay decoupled. */
export interface StreamHost {
  readonly maxStreamWindow: number;
  readonly maxFrameSize: number;
  sendControl(type: FrameType, flags: number, streamId: number, length: number): void;
  sendData(flags: number, streamId: number, payload: Buffer): void;
  /** False while the transport is congested; the stream then waits in waitForRoom. */
  hasRoom(): boolean;
  waitForRoom(stream: YamuxStream): void;
  streamClosed(stream: YamuxStream): void;
}

/**
 * How long an accepted stream's ACK may wait for a frame of the stream to ride on. A tunnel peer
 * answers an open within a few ms (its verdict is the stream's first frame), so the ACK costs no
 * write and no wake-up of its own; a stream with nothing to say still gets a bare ACK soon, far
 * inside any opener's streamOpenTimeout.
 */
export const ACK_DELAY_MS = 100;

/**
 * Where a relayed stream's payload goes (see relayInto): another yamux stream, or a socket
 * (tunnel/socket-relay.ts). It takes every payload, in order, and tells the stream feeding it
 * (its upstream's relayDrained) when what waits in it has shrunk.
 */
export interface RelaySink {
  relayWrite(payload: Buffer): void;
  /** The input ended: end once everything before it has left. */
  relayEnd(): void;
  /** Bytes taken and not passed on yet; the feeding stream counts them as not consumed. */
  readonly relayQueuedBytes: number;
}

/** Who feeds a relay sink, told when the sink's queue has shrunk so it can take more. */
export interface RelaySource {
  relayDrained(): void;
}

interface PendingWrite {
  chunk: Buffer;
  offset: number;
  callback: (err?: Error | null) => void;
}

/**
 * One yamux stream as a Node Duplex. Backpressure is end to end: a window update is sent only
 * for bytes the consumer has actually taken out of the readable side, so a reader that stops
 * stops the remote writer after at most one window.
 */
export class YamuxStream extends Duplex {
  readonly id: number;
  private readonly host: StreamHost;
  /** Bytes we may still send before the peer grants more. */
  private sendWindow = INITIAL_STREAM_WINDOW;
  /** Bytes the peer may still send before we grant more. */
  private recvWindow = INITIAL_STREAM_WINDOW;
  /** The window we currently grant; grows while the reader keeps up. */
  private recvWindowMax = INITIAL_STREAM_WINDOW;
  /**
   * Bytes of Data frames whose headers were admitted but whose payload has not arrived yet.
   * They are counted against the window but are not in the readable buffer, and must not be
   * mistaken for bytes the consumer has taken.
   */
  private unpushed = 0;
  private pendingWrite: PendingWrite | null = null;
  private finSent = false;
  private finReceived = false;
  private resetSeen = false;
  private acked: boolean;
  private openTimer: NodeJS.Timeout | null = null;
  /** An accepted stream's ACK, not sent yet: the next frame of this stream carries it. */
  private ackPending = false;
  private ackTimer: NodeJS.Timeout | null = null;
  private released = false;
  /** Relay mode (see relayInto): payload received here goes straight to this sink, not through the readable side. */
  private relaySink: RelaySink | null = null;
  /** Relay mode, as a sink: who feeds this stream through relayWrite instead of the writable side. */
  private relaySource: RelaySource | null = null;
  /** Relay mode: payloads from the source waiting for send window or transport room, in order. */
  private relayQueue: Buffer[] = [];
  private queuedForRelay = 0;
  /** Relay mode: the source's input ended; FIN goes out once the queue is empty. */
  private relayEndPending = false;
  private receivedBytes = 0;
  private sentBytes = 0;

  /** @internal Streams are made by YamuxSession.open() and delivered by accept(). */
  constructor(host: StreamHost, id: number, opened: 'local' | 'remote') {
    // A quarter of the smallest window, so the readable buffer never looks "full" to Node while
    // the peer still has window left; consumption is tracked in read() regardless.
    super({ allowHalfOpen: true, readableHighWaterMark: INITIAL_STREAM_WINDOW / 4, writableHighWaterMark: 64 * 1024 });
    this.host = host;
    this.id = id;
    this.acked = opened === 'remote';
  }

  /** Payload bytes received on this stream so far, whoever consumed them. */
  get bytesReceived(): number {
    return this.receivedBytes;
  }

  /** Payload bytes sent on this stream so far, written or relayed. */
  get bytesSent(): number {
    return this.sentBytes;
  }

  /**
   * Joins this stream to `peer` (typically of another session) both ways without Node's stream
   * machinery: each payload goes from this session's decoder straight to the peer session's
   * encoder, and window is granted to the sender as the peer sends it on, so backpressure stays
   * end to end. Bytes already buffered on either side go first; a FIN on one side becomes a FIN
   * on the other once everything before it has left. Errors and resets are the caller's to
   * watch ('error', 'close'), as with pipe(). Neither side may be written or read afterwards.
   */
  relayTo(peer: YamuxStream): void {
    this.relayInto(peer);
    this.relayFrom(peer);
    peer.relayInto(this);
    peer.relayFrom(this);
  }

  /**
   * One direction of a relay: what this stream receives goes to `sink` (bytes already buffered
   * first), and window is granted as the sink passes bytes on. The readable side is not used again.
   */
  relayInto(sink: RelaySink): void {
    this.relaySink = sink;
    for (let chunk = this.read() as Buffer | null; chunk !== null; chunk = this.read() as Buffer | null) sink.relayWrite(chunk);
    if (this.finReceived) sink.relayEnd();
    // Nothing is pushed any more; flowing lets the readable side reach 'end' after the FIN.
    this.resume();
  }

  /** The other direction: `source` writes through relayWrite/relayEnd and hears relayDrained. */
  relayFrom(source: RelaySource): void {
    this.relaySource = source;
  }

  /** @internal RelaySource: the sink this stream feeds has passed bytes on. */
  relayDrained(): void {
    this.grantWindow();
  }

  /** RelaySink: bytes from the source still waiting for send window or transport room. */
  get relayQueuedBytes(): number {
    return this.queuedForRelay;
  }

  /** RelaySink: a payload from the source, sent after what is queued as window and transport allow. */
  relayWrite(payload: Buffer): void {
    if (this.destroyed || this.finSent) return;
    // Straight out when nothing waits ahead of it; what window or transport cannot take now waits.
    const sent = this.queuedForRelay === 0 && this.pendingWrite === null ? this.sendFrom(payload, 0) : 0;
    if (sent === payload.length) return;
    this.relayQueue.push(sent === 0 ? payload : payload.subarray(sent));
    this.queuedForRelay += payload.length - sent;
  }

  /** RelaySink: the source's input ended. */
  relayEnd(): void {
    if (this.queuedForRelay === 0) this.end();
    else this.relayEndPending = true;
  }

  /** True once the peer acknowledged a stream we opened (always true for accepted streams). */
  get established(): boolean {
    return this.acked;
  }

  // ---- called by the session ------------------------------------------------------------------

  /**
   * @internal Sends the SYN as a window update of 0: the window starts at the spec's 256 KiB
   * and grows only once the reader shows it keeps up (see grantWindow).
   */
  sendSyn(openTimeout: number, onTimeout: (stream: YamuxStream) => void): void {
    this.host.sendControl(FrameType.WindowUpdate, Flag.SYN, this.id, 0);
    this.openTimer = setTimeout(() => onTimeout(this), openTimeout);
    this.openTimer.unref();
  }

  /**
   * @internal Acknowledges an incoming stream now that somebody has taken it: on the stream's next
   * frame (its first data, a window update, FIN or RST), or alone after ACK_DELAY_MS.
   */
  sendAck(): void {
    this.ackPending = true;
    this.ackTimer = setTimeout(() => this.host.sendControl(FrameType.WindowUpdate, this.ackFlag(), this.id, 0), ACK_DELAY_MS);
    this.ackTimer.unref();
  }

  /** @internal */
  handleWindowUpdate(flags: number, delta: number): void {
    if (flags & Flag.ACK) this.handleAck();
    if (delta > 0) {
      if (this.sendWindow + delta > MAX_UINT32) {
        throw new YamuxProtocolError(
          YamuxErrorCode.WindowOverflow,
          `window update of ${delta} on stream ${this.id} would grow its send window past 2^32-1`,
        );
      }
      this.sendWindow += delta;
      this.pumpWrite();
      this.pumpRelay();
    }
    this.handleCloseFlags(flags);
  }

  /** @internal Checked at the header, before any payload is accepted. */
  admitData(flags: number, length: number): void {
    if (flags & Flag.ACK) this.handleAck();
    if (length > this.recvWindow) {
      throw new YamuxProtocolError(
        YamuxErrorCode.RecvWindowExceeded,
        `peer sent ${length} bytes on stream ${this.id} with only ${this.recvWindow} bytes of window left`,
      );
    }
    this.recvWindow -= length;
    this.unpushed += length;
  }

  /** @internal */
  handlePayload(payload: Buffer): void {
    this.unpushed -= payload.length;
    if (this.finReceived || this.resetSeen || this.destroyed) return;
    this.receivedBytes += payload.length;
    const sink = this.relaySink;
    if (sink === null) {
      this.push(payload);
      return;
    }
    sink.relayWrite(payload);
    this.grantWindow();
  }

  /** @internal Flags of a Data frame are acted on once its payload has been delivered. */
  handleCloseFlags(flags: number): void {
    if (flags & Flag.RST) {
      this.resetSeen = true;
      this.destroy(new YamuxError(YamuxErrorCode.StreamReset, `stream ${this.id} was reset by the peer`));
      return;
    }
    if (flags & Flag.FIN && !this.finReceived) {
      this.finReceived = true;
      this.push(null);
      this.relaySink?.relayEnd();
      this.maybeRelease();
    }
  }

  /** @internal The session is going down: fail the stream without sending anything. */
  abort(err: Error | null): void {
    this.resetSeen = true;
    this.destroy(err ?? undefined);
  }

  /** @internal The transport has room again. */
  resumeWrite(): void {
    this.pumpWrite();
    this.pumpRelay();
  }

  /** Resets the stream (RST to the peer) and destroys it. */
  reset(): void {
    this.destroy();
  }

  // ---- Duplex implementation -------------------------------------------------------------------

  override _read(): void {
    this.grantWindow();
  }

  /**
   * Every way of consuming a Readable goes through read() (flowing mode calls it too, and the
   * fast path that hands a chunk straight to 'data' is followed by read(0)). Node calls _read
   * only when its buffer is low and no earlier _read is outstanding, which is not a reliable
   * sign of consumption: granting window here means a drained reader always reopens the window.
   */
  override read(size?: number): string | Buffer | null {
    const chunk = super.read(size) as string | Buffer | null;
    this.grantWindow();
    return chunk;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (err?: Error | null) => void): void {
    this.pendingWrite = { chunk, offset: 0, callback };
    this.pumpWrite();
  }

  override _final(callback: (err?: Error | null) => void): void {
    if (!this.finSent && !this.resetSeen) {
      this.finSent = true;
      this.host.sendControl(FrameType.WindowUpdate, Flag.FIN | this.ackFlag(), this.id, 0);
    }
    callback();
    this.maybeRelease();
  }

  override _destroy(err: Error | null, callback: (err?: Error | null) => void): void {
    this.clearOpenTimer();
    this.clearAckTimer();
    if (!this.resetSeen && !(this.finSent && this.finReceived)) {
      this.resetSeen = true;
      this.host.sendControl(FrameType.WindowUpdate, Flag.RST | this.ackFlag(), this.id, 0);
    }
    this.relayQueue = [];
    this.queuedForRelay = 0;
    const pending = this.pendingWrite;
    this.pendingWrite = null;
    if (pending) pending.callback(err ?? new YamuxError(YamuxErrorCode.StreamReset, `stream ${this.id} was destroyed`));
    this.release();
    callback(err);
  }

  // ---- internals ---------------------------------------------------------------------------------

  private handleAck(): void {
    if (this.acked) return;
    this.acked = true;
    this.clearOpenTimer();
    this.emit('established');
  }

  private pumpWrite(): void {
    const w = this.pendingWrite;
    if (w === null) return;
    w.offset = this.sendFrom(w.chunk, w.offset);
    if (w.offset < w.chunk.length) return;
    this.pendingWrite = null;
    w.callback();
  }

  /** Sends chunk from offset as far as the send window and the transport allow; returns where it stopped. */
  private sendFrom(chunk: Buffer, offset: number): number {
    let at = offset;
    while (at < chunk.length) {
      if (this.sendWindow === 0) return at;
      if (!this.host.hasRoom()) {
        this.host.waitForRoom(this);
        return at;
      }
      const n = Math.min(this.sendWindow, chunk.length - at, this.host.maxFrameSize);
      const payload = at === 0 && n === chunk.length ? chunk : chunk.subarray(at, at + n);
      this.sendWindow -= n;
      this.sentBytes += n;
      at += n;
      this.host.sendData(this.ackFlag(), this.id, payload);
    }
    return at;
  }

  private pumpRelay(): void {
    if (this.queuedForRelay === 0 || this.pendingWrite !== null) return;
    const queue = this.relayQueue;
    let sent = 0;
    while (queue.length > 0) {
      const chunk = queue[0] as Buffer;
      const at = this.sendFrom(chunk, 0);
      sent += at;
      if (at < chunk.length) {
        queue[0] = chunk.subarray(at);
        break;
      }
      queue.shift();
    }
    this.queuedForRelay -= sent;
    // The source counts what waits here as not yet consumed.
    if (sent > 0) this.relaySource?.relayDrained();
    if (this.queuedForRelay === 0 && this.relayEndPending) {
      this.relayEndPending = false;
      this.end();
    }
  }

  /**
   * Returns window for bytes the consumer has taken. Waits until half the window is free, as
   * hashicorp/yamux does, so updates stay rare; doubles the window (up to maxStreamWindow) when
   * the reader had drained nearly everything, the sign that the window, not the reader, limits speed.
   */
  private grantWindow(): void {
    if (this.finReceived || this.resetSeen) return;
    const buffered = this.readableLength + (this.relaySink?.relayQueuedBytes ?? 0);
    const consumed = this.recvWindowMax - this.recvWindow - buffered - this.unpushed;
    if (consumed < this.recvWindowMax / 2) return;
    let growth = 0;
    if (this.recvWindowMax < this.host.maxStreamWindow && buffered < this.recvWindowMax / 4) {
      growth = Math.min(this.recvWindowMax, this.host.maxStreamWindow - this.recvWindowMax);
      this.recvWindowMax += growth;
    }
    const delta = consumed + growth;
    this.recvWindow += delta;
    this.host.sendControl(FrameType.WindowUpdate, this.ackFlag(), this.id, delta);
  }

  /** Flag.ACK for the frame about to leave if the ACK is still owed, else 0. */
  private ackFlag(): number {
    if (!this.ackPending) return 0;
    this.ackPending = false;
    this.clearAckTimer();
    return Flag.ACK;
  }

  private clearOpenTimer(): void {
    if (this.openTimer) {
      clearTimeout(this.openTimer);
      this.openTimer = null;
    }
  }

  private clearAckTimer(): void {
    if (this.ackTimer) {
      clearTimeout(this.ackTimer);
      this.ackTimer = null;
    }
  }

  private maybeRelease(): void {
    if (this.finSent && this.finReceived) this.release();
  }

  private release(): void {
    if (this.released) return;
    this.released = true;
    this.clearOpenTimer();
    this.clearAckTimer();
    this.host.streamClosed(this);
  }
}
