import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { errorCode } from '../errors.js';
import type { Logger } from '../log.js';
import { silentLogger } from '../log.js';
import type { YamuxConfig } from '../yamux/config.js';
import { YamuxErrorCode, type YamuxError } from '../yamux/errors.js';
import { YamuxSession } from '../yamux/session.js';
import type { YamuxStream } from '../yamux/stream.js';
import type { EarlyBytes } from './early-bytes.js';
import { joinStreams, type JoinResult } from './join.js';
import { readMessage, writeMessage } from './message-framing.js';
import { encodeStreamNotice, parseStreamNotice, type StreamNotice } from './stream-notice.js';
import { FramingErrorCode } from './tunnel-errors.js';
import {
  encodeOpenRequest,
  OpenError,
  OpenResult,
  parseOpenRequest,
  parseOpenResponse,
  type OpenRequest,
} from './open-protocol.js';

/** What an open handler hands back: the far end to join with, and who wants the totals. */
export interface OpenedTarget {
  stream: Duplex;
  onFinished?: (result: JoinResult) => void;
}

/** Decides on an incoming open request: returns the connected target or throws OpenError. */
export type OpenHandler = (request: OpenRequest, stream: YamuxStream) => Promise<OpenedTarget>;

export interface TunnelSessionOptions {
  role: 'client' | 'server';
  yamux?: Partial<YamuxConfig>;
  logger?: Logger;
  /** Time a peer has to send its open request, and we to get an answer to ours. Default 30 s. */
  handshakeTimeoutMs?: number;
}

export interface TunnelSessionEvents {
  close: [err: YamuxError | undefined];
  goaway: [];
  /** The peer says why it is about to cut one of our streams. */
  notice: [notice: StreamNotice];
}

/**
 * One tunnel session: yamux over a byte transport (the WebSocket), with the stream-open
 * handshake on top. The same class serves the device agent, the server and the developer CLI,
 * so every hop speaks the handshake the same way.
 */
export class TunnelSession extends EventEmitter<TunnelSessionEvents> {
  readonly mux: YamuxSession;
  private readonly log: Logger;
  private readonly handshakeTimeoutMs: number;

  constructor(transport: Duplex, options: TunnelSessionOptions) {
    super();
    this.log = options.logger ?? silentLogger();
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 30_000;
    this.mux = new YamuxSession(transport, { role: options.role, config: options.yamux ?? {} });
    this.mux.on('close', (err) => this.emit('close', err));
    this.mux.on('goaway', () => this.emit('goaway'));
  }

  get closed(): boolean {
    return this.mux.closed;
  }

  /**
   * Opens a stream to a target and waits for the far end's verdict. Resolves with a stream ready
   * for payload; rejects with OpenError carrying the precise result. `early`'s bytes follow the
   * request without waiting for the verdict (a refusal drops them at the far end).
   */
  async open(request: OpenRequest, early?: EarlyBytes): Promise<YamuxStream> {
    let stream: YamuxStream;
    try {
      stream = this.mux.open();
    } catch (err) {
      throw refusedOpen(err);
    }
    stream.on('error', () => undefined);
    writeMessage(stream, encodeOpenRequest(request));
    early?.forwardTo(stream);
    let response;
    try {
      response = parseOpenResponse(await readMessage(stream, this.handshakeTimeoutMs));
    } catch (err) {
      early?.stop();
      stream.destroy();
      throw toOpenError(err, this.handshakeTimeoutMs);
    }
    if (response.result !== OpenResult.Ok) {
      early?.stop();
      stream.destroy();
      throw new OpenError(response.result, response.message);
    }
    early?.settle();
    stream.removeAllListeners('error');
    return stream;
  }

  /** Answers incoming streams with the handler, then carries bytes until both sides end. */
  serve(handler: OpenHandler): void {
    this.mux.on('stream', (stream) => void this.handleIncoming(stream, handler));
  }

  /** Round-trip time in ms, measured now. */
  ping(): Promise<number> {
    return this.mux.ping();
  }

  /**
   * Tells the peer why one of its streams is about to be cut, on a stream of its own; send it
   * before the cut. Peers that predate notices refuse it as a bad open request, harmlessly.
   */
  sendNotice(notice: StreamNotice): void {
    let stream: YamuxStream;
    try {
      stream = this.mux.open();
    } catch {
      // A session with no room for another stream, or going away: the reset must speak for itself.
      return;
    }
    stream.on('error', () => undefined);
    writeMessage(stream, encodeStreamNotice(notice));
    stream.end();
    stream.resume();
  }

  goAway(): void {
    this.mux.goAway();
  }

  /** GoAway, then up to graceMs for open streams to finish, then close. */
  drain(graceMs: number): Promise<void> {
    return this.mux.drain(graceMs);
  }

  close(err?: YamuxError): void {
    this.mux.close(err);
  }

  private async handleIncoming(stream: YamuxStream, handler: OpenHandler): Promise<void> {
    stream.on('error', (err) => this.log.debug({ streamId: stream.id, err }, 'stream error'));
    let request: OpenRequest;
    try {
      const message = await readMessage(stream, this.handshakeTimeoutMs);
      const notice = parseStreamNotice(message);
      if (notice) {
        this.emit('notice', notice);
        stream.end();
        stream.resume();
        return;
      }
      request = parseOpenRequest(message);
    } catch (err) {
      this.refuse(stream, toOpenError(err, this.handshakeTimeoutMs, OpenResult.BadRequest));
      return;
    }
    let target: OpenedTarget;
    try {
      target = await handler(request, stream);
    } catch (err) {
      this.refuse(stream, toOpenError(err, this.handshakeTimeoutMs, OpenResult.ServerError));
      return;
    }
    if (stream.destroyed) {
      // The opener gave up while we connected; whoever counts streams still needs to hear of it.
      target.stream.destroy();
      target.onFinished?.({ bytesAtoB: 0, bytesBtoA: 0, durationMs: 0, error: new Error('the opener went away before the stream was ready') });
      return;
    }
    writeMessage(stream, { result: OpenResult.Ok, message: 'connected' });
    const result = await joinStreams(stream, target.stream, {
      onTeardownError: (err) => this.log.error({ streamId: stream.id, code: err.code, err }, 'a stream failed to tear down; both sides closed'),
    });
    target.onFinished?.(result);
  }

  private refuse(stream: YamuxStream, err: OpenError): void {
    if (stream.destroyed) return;
    writeMessage(stream, { result: err.result, message: err.message });
    stream.end();
    // The opener may still have bytes in flight; take them so the stream can finish.
    stream.resume();
  }
}

/** Why the session would not open a stream: a full budget and a drain are not "offline". */
function refusedOpen(err: unknown): OpenError {
  const message = err instanceof Error ? err.message : String(err);
  switch (errorCode(err)) {
    case YamuxErrorCode.TooManyStreams:
      return new OpenError(OpenResult.DeviceBusy, `the device's stream budget is full (${message}); close some of its streams or try again later`);
    case YamuxErrorCode.RemoteGoAway:
    case YamuxErrorCode.LocalGoAway:
      return new OpenError(OpenResult.DeviceDraining, `the tunnel session is going away and takes no new streams (${message}); try again in a few seconds`);
    default:
      return new OpenError(OpenResult.DeviceOffline, `the tunnel session cannot open streams: ${message}`);
  }
}

function toOpenError(err: unknown, timeoutMs: number, fallback: Exclude<OpenResult, 'ok'> = OpenResult.ServerError): OpenError {
  if (err instanceof OpenError) return err;
  const code = errorCode(err);
  if (code === FramingErrorCode.Timeout) return new OpenError(OpenResult.TimedOut, `no answer within ${timeoutMs} ms`);
  if (code === YamuxErrorCode.StreamReset || code === YamuxErrorCode.SessionClosed || code === YamuxErrorCode.TransportClosed) {
    return new OpenError(OpenResult.DeviceOffline, `the tunnel went away while opening the stream (${code})`);
  }
  const message = err instanceof Error ? err.message : String(err);
  return new OpenError(fallback, message);
}
