import type { Writable } from 'node:stream';
import { FrameType, HEADER_SIZE } from './constants.js';
import { writeHeader } from './frame.js';

/** Payloads at least this large go to the transport by reference; smaller ones are copied into a batch. */
const COPY_LIMIT = 16 * 1024;
/**
 * Slabs that small frames are packed into start small, from Node's shared buffer pool, and grow
 * to MAX_SLAB only while a session is busy. An idle session (a pong every 15 s) then holds no
 * slab of its own: at 5,000 devices a 64 KiB slab each was 320 MB of address space and a page of
 * RSS per device, growing by a page every few hundred pongs.
 */
const MIN_SLAB = 256;
const MAX_SLAB = 64 * 1024;
/** A flush smaller than this means the session is quiet: the next slab starts small again. */
const QUIET_FLUSH_BYTES = 1024;
const NO_SLAB = Buffer.alloc(0);

/**
 * Frame encoder with batching: frames queued during one tick of the event loop leave in a single
 * corked write, small frames packed into one buffer, large payloads passed on without a copy.
 * Many streams writing at once (and window updates, pings) thus cost one syscall, or one
 * WebSocket message, instead of one each.
 */
export class FrameEncoder {
  private pieces: Buffer[] = [];
  private slab: Buffer = NO_SLAB;
  private nextSlabSize = MIN_SLAB;
  private slabStart = 0;
  private slabEnd = 0;
  private queuedBytes = 0;
  private scheduled = false;
  private closed = false;

  constructor(
    private readonly transport: Writable,
    /** Called after each flush, so writers waiting for room can try again. */
    private readonly onFlushed: () => void,
  ) {}

  /** Bytes queued here and not yet handed to the transport. */
  get pending(): number {
    return this.queuedBytes;
  }

  control(type: FrameType, flags: number, streamId: number, length: number): void {
    this.reserve(HEADER_SIZE);
    writeHeader(this.slab, this.slabEnd, type, flags, streamId, length);
    this.slabEnd += HEADER_SIZE;
    this.queued(HEADER_SIZE);
  }

  data(flags: number, streamId: number, payload: Buffer): void {
    const small = payload.length < COPY_LIMIT;
    this.reserve(small ? HEADER_SIZE + payload.length : HEADER_SIZE);
    writeHeader(this.slab, this.slabEnd, FrameType.Data, flags, streamId, payload.length);
    this.slabEnd += HEADER_SIZE;
    if (small) {
      payload.copy(this.slab, this.slabEnd);
      this.slabEnd += payload.length;
    } else {
      this.cutSlab();
      this.pieces.push(payload);
    }
    this.queued(HEADER_SIZE + payload.length);
  }

  /** Writes everything queued now, not at the end of the tick (used before closing the transport). */
  flush(): void {
    this.scheduled = false;
    if (this.closed) return;
    this.cutSlab();
    const pieces = this.pieces;
    if (pieces.length === 0) return;
    if (this.queuedBytes < QUIET_FLUSH_BYTES) this.shrinkSlab();
    this.pieces = [];
    this.queuedBytes = 0;
    if (pieces.length === 1) {
      this.transport.write(pieces[0]);
    } else {
      this.transport.cork();
      for (const piece of pieces) this.transport.write(piece);
      this.transport.uncork();
    }
    this.onFlushed();
  }

  /** Drops anything queued; nothing more will be written. */
  close(): void {
    this.closed = true;
    this.pieces = [];
    this.queuedBytes = 0;
  }

  private queued(bytes: number): void {
    if (this.closed) {
      this.pieces = [];
      this.slabStart = this.slabEnd;
      return;
    }
    this.queuedBytes += bytes;
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  private reserve(bytes: number): void {
    if (this.slab.length - this.slabEnd >= bytes) return;
    this.cutSlab();
    // Buffers under 4 KiB come from Node's shared pool, so a small slab costs no allocation of its own.
    this.slab = Buffer.allocUnsafe(Math.max(this.nextSlabSize, bytes));
    this.nextSlabSize = Math.min(MAX_SLAB, this.nextSlabSize * 4);
    this.slabStart = 0;
    this.slabEnd = 0;
  }

  /** Lets go of a big slab once the session is quiet; the pieces already cut keep what they need. */
  private shrinkSlab(): void {
    this.nextSlabSize = MIN_SLAB;
    if (this.slab.length > MIN_SLAB) {
      this.cutSlab();
      this.slab = NO_SLAB;
      this.slabStart = 0;
      this.slabEnd = 0;
    }
  }

  /** Moves the filled part of the slab into the piece list; the rest of the slab stays usable. */
  private cutSlab(): void {
    if (this.slabEnd > this.slabStart) {
      this.pieces.push(this.slab.subarray(this.slabStart, this.slabEnd));
      this.slabStart = this.slabEnd;
    }
  }
}
