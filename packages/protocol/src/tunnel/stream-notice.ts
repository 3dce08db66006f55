import { OPEN_PROTOCOL_VERSION } from './open-protocol.js';

/**
 * Why one of the peer's streams is about to be cut. A yamux reset carries no words, so the
 * reason goes ahead of it on a stream of its own; without it a developer whose support grant ran
 * out would read "reset by the peer" and look for a network fault.
 */
export interface StreamNotice {
  /** The stream it is about, as both ends number it. */
  streamId: number;
  code: string;
  message: string;
}

const KIND = 'stream-ended';

export function encodeStreamNotice(notice: StreamNotice): object {
  return { v: OPEN_PROTOCOL_VERSION, notice: KIND, streamId: notice.streamId, code: notice.code, message: notice.message };
}

/** The notice in a message from the wire, or undefined when the message is something else (an open request). */
export function parseStreamNotice(raw: unknown): StreamNotice | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const r = raw as Record<string, unknown>;
  const { streamId, code, message } = r;
  if (r['notice'] !== KIND || typeof streamId !== 'number' || typeof code !== 'string' || typeof message !== 'string') return undefined;
  return { streamId, code, message };
}
