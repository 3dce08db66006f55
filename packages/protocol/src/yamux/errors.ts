import { CodedError } from '../errors.js';

/** Stable codes for everything the multiplexer can fail with. */
export const YamuxErrorCode = {
  /** Header version other than 0. */
  BadVersion: 'ERR_YAMUX_BAD_VERSION',
  /** Frame type outside Data/WindowUpdate/Ping/GoAway. */
  BadType: 'ERR_YAMUX_BAD_TYPE',
  /** Stream id of the wrong parity, 0 where a stream is needed, or non-zero for Ping/GoAway. */
  BadStreamId: 'ERR_YAMUX_BAD_STREAM_ID',
  /** A frame for a stream id that was never opened. */
  UnknownStream: 'ERR_YAMUX_UNKNOWN_STREAM',
  /** SYN for a stream id that is already open. */
  DuplicateStream: 'ERR_YAMUX_DUPLICATE_STREAM',
  /** Window update that would push the send window past 2^32-1. */
  WindowOverflow: 'ERR_YAMUX_WINDOW_OVERFLOW',
  /** Data frame longer than any window we ever grant (maxStreamWindow), whatever its stream. */
  FrameTooLarge: 'ERR_YAMUX_FRAME_TOO_LARGE',
  /** Data frame longer than the receive window we granted. */
  RecvWindowExceeded: 'ERR_YAMUX_RECV_WINDOW_EXCEEDED',
  /** The peer reset the stream (RST). */
  StreamReset: 'ERR_YAMUX_STREAM_RESET',
  /** The peer did not acknowledge a new stream within streamOpenTimeout. */
  OpenTimeout: 'ERR_YAMUX_OPEN_TIMEOUT',
  /** Opening a stream would exceed maxConcurrentStreams. */
  TooManyStreams: 'ERR_YAMUX_TOO_MANY_STREAMS',
  /** All 2^31 stream ids of this side are used up; a new session is needed. */
  StreamIdsExhausted: 'ERR_YAMUX_STREAM_IDS_EXHAUSTED',
  /** The peer sent GoAway: no new streams may be opened. */
  RemoteGoAway: 'ERR_YAMUX_REMOTE_GOAWAY',
  /** We sent GoAway ourselves: no new streams may be opened. */
  LocalGoAway: 'ERR_YAMUX_LOCAL_GOAWAY',
  /** The session is closed. */
  SessionClosed: 'ERR_YAMUX_SESSION_CLOSED',
  /** The transport ended or failed underneath the session. */
  TransportClosed: 'ERR_YAMUX_TRANSPORT_CLOSED',
  /** A keepalive ping went unanswered within keepAliveTimeout. */
  KeepAliveTimeout: 'ERR_YAMUX_KEEPALIVE_TIMEOUT',
  /** The peer closed the session with GoAway protocol error or internal error. */
  RemoteError: 'ERR_YAMUX_REMOTE_ERROR',
  /** A bug on our side surfaced while handling input; the peer gets GoAway(internal error). */
  Internal: 'ERR_YAMUX_INTERNAL',
  /** A configuration value is out of range. */
  InvalidConfig: 'ERR_YAMUX_INVALID_CONFIG',
} as const;

export type YamuxErrorCode = (typeof YamuxErrorCode)[keyof typeof YamuxErrorCode];

export class YamuxError extends CodedError<YamuxErrorCode> {}

/** Protocol violations by the peer: the session answers with GoAway(protocol error) and closes. */
export class YamuxProtocolError extends YamuxError {}
