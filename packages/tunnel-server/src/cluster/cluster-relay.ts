import type { Duplex } from 'node:stream';
import { CodedError, errorCode } from '@tunnel/protocol/errors';
import type { Logger } from '@tunnel/protocol/log';
import { CLUSTER_HOP_LIMIT, OpenError, OpenResult, PeerQuery, type OpenRequest } from '@tunnel/protocol/tunnel';
import type { YamuxConfig, YamuxStream } from '@tunnel/protocol/yamux';
import type { AccessTarget } from '../access/authorize.js';
import type { DeviceSessions } from '../devices/device-sessions.js';
import type { LiveStreamView } from '../forwarding/device-stream-opener.js';
import type { Presence } from '../presence/presence.js';
import { ClusterLinkErrorCode } from './cluster-errors.js';
import { issueLinkTls } from './link-tls.js';
import { liveStreamsAnswer, liveStreamsQuery, readLiveStreamsAnswer, type NodeStreamView } from './live-streams-query.js';
import { NodeDirectory } from './node-directory.js';
import { NodeLinks, splitAddress } from './node-links.js';

export interface ClusterRelaySettings {
  nodeId: string;
  dataDir: string;
  presenceUrl: string;
  /** host:port the link listener binds (port 0: any free port). */
  listen: string;
  /** host:port peers dial; the bound listen address when absent. */
  advertise: string | undefined;
  /** How long the published address outlives this node's last refresh (the keepalive timeout). */
  ttlMs: number;
  yamux: Partial<YamuxConfig>;
}

export interface ClusterRelayDeps {
  presence: Presence;
  sessions: DeviceSessions;
  log: Logger;
  /** The device's streams this node carries, for peers that ask. */
  liveStreams(uuid: string): LiveStreamView[];
}

/** What the other nodes said about a device's streams. */
export interface PeerStreams {
  streams: NodeStreamView[];
  /** Nodes that did not answer in time (or at all), each with why. */
  silent: { node: string; why: string }[];
}

/** A device page waits this long for the other nodes' streams, then shows what it has. */
const PEER_ANSWER_MS = 3_000;

const WILDCARD = new Set(['0.0.0.0', '::', '']);

/**
 * Streams between nodes: a stream asked of this node for a device another live node holds goes
 * over the link to that node (authorised and audited here, where the user came in), and a stream
 * a peer relays here goes to a device of this node only, never onwards, so a stale presence entry
 * ends as "offline" instead of a loop. Results of the far end come back unchanged.
 */
export class ClusterRelay {
  private constructor(
    private readonly settings: ClusterRelaySettings,
    private readonly deps: ClusterRelayDeps,
    private readonly directory: NodeDirectory,
    private readonly links: NodeLinks,
    /** The address peers dial, as published. */
    readonly address: string,
  ) {}

  static async start(settings: ClusterRelaySettings, deps: ClusterRelayDeps): Promise<ClusterRelay> {
    const listen = splitAddress(settings.listen, true);
    if (settings.advertise === undefined && WILDCARD.has(listen.host)) {
      throw new CodedError(ClusterLinkErrorCode.Settings, `--cluster-listen ${settings.listen} binds every interface: give --cluster-advertise host:port, the address the other nodes dial`);
    }
    if (settings.advertise !== undefined) splitAddress(settings.advertise);
    const tls = await issueLinkTls(settings.dataDir, settings.nodeId);
    const directory = await NodeDirectory.open(settings.presenceUrl, settings.ttlMs);
    let relay: ClusterRelay | undefined;
    const links = new NodeLinks({ tls, yamux: settings.yamux, log: deps.log, serve: (request) => (relay as ClusterRelay).serveRelayed(request) });
    try {
      const bound = await links.listen(listen.host, listen.port);
      const address = settings.advertise ?? (listen.host.includes(':') ? `[${listen.host}]:${bound}` : `${listen.host}:${bound}`);
      relay = new ClusterRelay(settings, deps, directory, links, address);
      await directory.publish(settings.nodeId, address);
      return relay;
    } catch (err) {
      links.close();
      await directory.close();
      throw err;
    }
  }

  /**
   * Opens a stream to the device through the node that holds it; undefined when presence names no
   * other live node (the caller then reports the device offline as on a single node).
   */
  async open(uuid: string, target: AccessTarget): Promise<YamuxStream | undefined> {
    const held = await this.deps.presence.get(uuid);
    const peer = held?.sessionId != null ? held.nodeId : null;
    if (peer === null || peer === undefined || peer === this.settings.nodeId) return undefined;
    const name = `device ${uuid.slice(0, 7)}`;
    const address = async (): Promise<string> => {
      const at = await this.directory.address(peer);
      if (at !== null) return at;
      throw new OpenError(
        OpenResult.DeviceOffline,
        `${name} is connected to node ${peer}, which takes no relayed streams (it runs without --cluster-listen, or just stopped): reach it through node ${peer}, or give that node --cluster-listen`,
      );
    };
    const request: OpenRequest = { device: uuid, host: target.host, port: target.port, hops: CLUSTER_HOP_LIMIT };
    try {
      return await this.links.open(peer, address, request);
    } catch (err) {
      if (err instanceof OpenError) throw err;
      const why = err instanceof Error ? err.message : String(err);
      if (errorCode(err) === ClusterLinkErrorCode.WrongPeer || errorCode(err) === ClusterLinkErrorCode.Unreachable) {
        throw new OpenError(OpenResult.DeviceOffline, `${name} was last seen on node ${peer}, which does not answer (${why}); the device is offline until it reconnects`);
      }
      throw new OpenError(OpenResult.ServerError, `relaying to node ${peer} failed: ${why}`);
    }
  }

  /**
   * The device's streams carried by every other live node, asked in parallel. A node that does not
   * answer within PEER_ANSWER_MS is named in `silent`, so the page says its list may be short.
   */
  async peerStreams(uuid: string): Promise<PeerStreams> {
    const peers = (await this.directory.nodes()).filter((n) => n !== this.settings.nodeId);
    const answers = await Promise.all(peers.map((peer) => this.askStreams(peer, uuid)));
    return {
      streams: answers.flatMap((a) => a.streams ?? []),
      silent: answers.flatMap((a) => (a.why === undefined ? [] : [{ node: a.peer, why: a.why }])),
    };
  }

  private async askStreams(peer: string, uuid: string): Promise<{ peer: string; streams?: NodeStreamView[]; why?: string }> {
    const address = async (): Promise<string> => {
      const at = await this.directory.address(peer);
      if (at === null) throw new Error('it stopped publishing its link address');
      return at;
    };
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${PEER_ANSWER_MS} ms`)), PEER_ANSWER_MS);
    });
    const asking = this.links.open(peer, address, liveStreamsQuery(uuid)).then((stream) => readLiveStreamsAnswer(stream, peer));
    try {
      return { peer, streams: await Promise.race([asking, late]) };
    } catch (err) {
      asking.catch(() => undefined);
      return { peer, why: err instanceof Error ? err.message : String(err) };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    this.links.close();
    await this.directory.close(this.settings.nodeId);
  }

  /** A stream a peer relays here: to a device of this node, never onwards (the hop limit); or a peer's question. */
  private async serveRelayed(request: OpenRequest): Promise<{ stream: Duplex }> {
    if (request.device === undefined) throw new OpenError(OpenResult.BadRequest, 'a relayed open request must name the device');
    if (request.query === PeerQuery.LiveStreams) {
      const node = this.settings.nodeId;
      return { stream: liveStreamsAnswer(this.deps.liveStreams(request.device).map((s) => ({ ...s, node }))) };
    }
    const live = this.deps.sessions.get(request.device);
    if (!live || live.session.closed) {
      throw new OpenError(
        OpenResult.DeviceOffline,
        `device ${request.device.slice(0, 7)} is no longer connected to node ${this.settings.nodeId} (it went offline or moved to another node); try again in a few seconds`,
      );
    }
    return { stream: await live.session.open({ host: request.host, port: request.port }) };
  }
}
