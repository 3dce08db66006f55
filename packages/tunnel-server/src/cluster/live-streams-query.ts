import { Duplex, Readable, Writable } from 'node:stream';
import { CodedError } from '@tunnel/protocol/errors';
import { CLUSTER_HOP_LIMIT, PeerQuery, type OpenRequest } from '@tunnel/protocol/tunnel';
import type { YamuxStream } from '@tunnel/protocol/yamux';
import type { LiveStreamView } from '../forwarding/device-stream-opener.js';
import { ClusterLinkErrorCode } from './cluster-errors.js';

/** A stream as the device page lists it, with the node that carries it (where it is authorised and audited). */
export interface NodeStreamView extends LiveStreamView {
  node: string;
}

/** An answer larger than this is not a list of one device's streams. */
const MAX_ANSWER_BYTES = 1024 * 1024;

/**
 * "Which streams of this device do you carry?", asked of a peer over the cluster link, because a
 * relayed stream is known only to the node the user reached (the device's node just carries bytes).
 */
export function liveStreamsQuery(uuid: string): OpenRequest {
  return { device: uuid, host: '127.0.0.1', port: 0, query: PeerQuery.LiveStreams, hops: CLUSTER_HOP_LIMIT };
}

/** The answer as the far end of the asking stream: the JSON list, then the end. */
export function liveStreamsAnswer(views: NodeStreamView[]): Duplex {
  const discard = new Writable({ write: (_chunk, _encoding, done) => done() });
  return Duplex.from({ readable: Readable.from([Buffer.from(JSON.stringify(views))]), writable: discard });
}

/** Reads a peer's answer to its end; throws when it is not one. */
export async function readLiveStreamsAnswer(stream: YamuxStream, peer: string): Promise<NodeStreamView[]> {
  stream.end();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ANSWER_BYTES) {
      stream.destroy();
      throw badAnswer(peer, `more than ${MAX_ANSWER_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw badAnswer(peer, 'not JSON');
  }
  if (!Array.isArray(parsed) || !parsed.every(isNodeStreamView)) throw badAnswer(peer, 'not a list of streams');
  return parsed;
}

function isNodeStreamView(v: unknown): v is NodeStreamView {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  const strings = ['node', 'user', 'via', 'target', 'startedAt'].every((k) => typeof r[k] === 'string');
  return strings && ['id', 'bytesUp', 'bytesDown'].every((k) => typeof r[k] === 'number');
}

function badAnswer(peer: string, why: string): CodedError {
  return new CodedError(ClusterLinkErrorCode.BadAnswer, `node ${peer} answered the question for a device's streams with ${why}: is it running another version?`);
}
