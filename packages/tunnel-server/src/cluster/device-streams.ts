import type { LiveStreamView } from '../forwarding/device-stream-opener.js';
import type { PeerStreams } from './cluster-relay.js';
import type { NodeStreamView } from './live-streams-query.js';

/** A device's streams from every node of the cluster, as the device page lists them. */
export interface DeviceStreams {
  streams: NodeStreamView[];
  /** Why the list may be short (a node that did not answer); absent when every node answered. */
  note?: string;
}

export interface DeviceStreamsSources {
  nodeId: string;
  /** The device's streams this node carries. */
  local(uuid: string): LiveStreamView[];
  /** The other nodes', when this node has links to them. */
  peers?: { peerStreams(uuid: string): Promise<PeerStreams> };
}

/**
 * This node's streams of the device and the other nodes', each stream once (a node names each of
 * its streams by its own id), oldest first. A stream is listed by the node the user reached, which
 * authorised and audits it; the device's node only carries its bytes.
 */
export async function deviceStreams(uuid: string, sources: DeviceStreamsSources): Promise<DeviceStreams> {
  const own = sources.local(uuid).map((s) => ({ ...s, node: sources.nodeId }));
  if (sources.peers === undefined) return { streams: own };
  let peers: PeerStreams;
  try {
    peers = await sources.peers.peerStreams(uuid);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { streams: own, note: `only the streams through node ${sources.nodeId} are listed: the other nodes could not be found (${why})` };
  }
  const byKey = new Map<string, NodeStreamView>();
  for (const s of [...own, ...peers.streams]) byKey.set(`${s.node}#${s.id}`, s);
  const streams = [...byKey.values()].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  if (peers.silent.length === 0) return { streams };
  const silent = peers.silent.map((s) => `node ${s.node} (${s.why})`).join(', ');
  return { streams, note: `${silent} did not answer: the streams through ${peers.silent.length === 1 ? 'it' : 'them'} are not listed` };
}
