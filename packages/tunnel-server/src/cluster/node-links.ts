import tls, { type TLSSocket } from 'node:tls';
import type { AddressInfo } from 'node:net';
import { CodedError } from '@tunnel/protocol/errors';
import { asError, type Logger } from '@tunnel/protocol/log';
import { TunnelSession, type OpenRequest } from '@tunnel/protocol/tunnel';
import type { YamuxConfig, YamuxStream } from '@tunnel/protocol/yamux';
import { listen } from '../http/listen.js';
import { TLS_CIPHERS } from '../tls/ciphers.js';
import { ClusterLinkErrorCode } from './cluster-errors.js';
import { linkPeerNodeId, type LinkTls } from './link-tls.js';

/** Answers a stream a peer node relays here. */
export type RelayedOpenHandler = Parameters<TunnelSession['serve']>[0];

export interface NodeLinksOptions {
  tls: LinkTls;
  yamux: Partial<YamuxConfig>;
  log: Logger;
  serve: RelayedOpenHandler;
}

/** A peer that has not finished its TLS handshake by then is given up on. */
const DIAL_TIMEOUT_MS = 5_000;

/**
 * The links between this node and its peers: one TLS connection per node pair, both ends proving
 * they hold the cluster CA (link-tls.ts), with one yamux session inside that carries every relayed
 * stream, each behind the usual open handshake. Whichever node needs the link first dials it, and
 * both ends then use it in both directions. A link that drops is dialled again on the next stream.
 */
export class NodeLinks {
  private readonly links = new Map<string, TunnelSession>();
  private readonly dialing = new Map<string, Promise<TunnelSession>>();
  private readonly all = new Set<TunnelSession>();
  private readonly server: tls.Server;

  constructor(private readonly options: NodeLinksOptions) {
    const { ca, cert, key } = options.tls;
    this.server = tls.createServer({ ca, cert, key, requestCert: true, rejectUnauthorized: true, minVersion: 'TLSv1.3', ciphers: TLS_CIPHERS }, (socket) => this.accepted(socket));
    this.server.on('tlsClientError', (err: Error & { code?: string }) => options.log.warn({ err, code: err.code }, 'cluster link refused: TLS handshake failed'));
  }

  /** Binds the link listener; resolves with the port it got. */
  async listen(host: string, port: number): Promise<number> {
    await listen(this.server, host, port);
    return (this.server.address() as AddressInfo).port;
  }

  /** Opens a stream through the link to `peer`, dialling it first (at `address()`) if there is none. */
  async open(peer: string, address: () => Promise<string>, request: OpenRequest): Promise<YamuxStream> {
    const link = await this.link(peer, address);
    return link.open(request);
  }

  close(): void {
    this.server.close();
    for (const session of this.all) session.close();
  }

  private link(peer: string, address: () => Promise<string>): Promise<TunnelSession> {
    const up = this.links.get(peer);
    if (up && !up.closed) return Promise.resolve(up);
    let dialing = this.dialing.get(peer);
    if (dialing === undefined) {
      dialing = address()
        .then((at) => this.dial(peer, at))
        .finally(() => this.dialing.delete(peer));
      this.dialing.set(peer, dialing);
    }
    return dialing;
  }

  private async dial(peer: string, address: string): Promise<TunnelSession> {
    const { host, port } = splitAddress(address);
    const { ca, cert, key } = this.options.tls;
    const socket = await new Promise<TLSSocket>((resolve, reject) => {
      // The peer is known by its link certificate's node name, checked below, not by a DNS name.
      // AES-128-GCM first, as on the public listener: every relayed byte is encrypted once more.
      const s = tls.connect({ host, port, ca, cert, key, minVersion: 'TLSv1.3', ciphers: TLS_CIPHERS, checkServerIdentity: () => undefined });
      s.setTimeout(DIAL_TIMEOUT_MS, () => s.destroy(new Error(`no TLS handshake within ${DIAL_TIMEOUT_MS} ms`)));
      s.once('secureConnect', () => {
        s.setTimeout(0);
        resolve(s);
      });
      s.once('error', (err) => reject(new CodedError(ClusterLinkErrorCode.Unreachable, `the link of node ${peer} at ${address} did not answer (${err.message})`, { cause: err })));
    });
    const actual = linkPeerNodeId(socket);
    if (actual !== peer) {
      socket.destroy();
      throw new CodedError(ClusterLinkErrorCode.WrongPeer, `${address} is node ${actual} now, not node ${peer}: presence is out of date`);
    }
    return this.adopt(peer, socket, 'client');
  }

  private accepted(socket: TLSSocket): void {
    let peer: string;
    try {
      peer = linkPeerNodeId(socket);
    } catch (err) {
      this.options.log.warn({ err: asError(err), remoteAddress: socket.remoteAddress }, 'cluster link refused');
      socket.destroy();
      return;
    }
    this.adopt(peer, socket, 'server');
  }

  private adopt(peer: string, socket: TLSSocket, role: 'client' | 'server'): TunnelSession {
    const { log } = this.options;
    socket.setNoDelay(true);
    const session = new TunnelSession(socket, { role, yamux: this.options.yamux, logger: log });
    session.serve(this.options.serve);
    this.all.add(session);
    // Two nodes that dialled each other at once keep both links; new streams take the first.
    const current = this.links.get(peer);
    if (current === undefined || current.closed) this.links.set(peer, session);
    // A peer that is stopping takes no new streams on this link: the next stream dials again.
    session.on('goaway', () => {
      if (this.links.get(peer) === session) this.links.delete(peer);
    });
    session.on('close', (err) => {
      this.all.delete(session);
      if (this.links.get(peer) === session) this.links.delete(peer);
      log.info({ nodeId: peer, err, code: err?.code }, 'cluster link closed');
    });
    log.info({ nodeId: peer, remoteAddress: socket.remoteAddress, kind: role === 'client' ? 'dialled' : 'accepted' }, 'cluster link up');
    return session;
  }
}

/** host:port or [v6]:port, as --cluster-listen and --cluster-advertise take it; port 0 only where `anyPort`. */
export function splitAddress(address: string, anyPort = false): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  const host = match?.[1] ?? match?.[2];
  if (host === undefined || !Number.isInteger(port) || port < (anyPort ? 0 : 1) || port > 65535) {
    throw new CodedError(ClusterLinkErrorCode.Settings, `cluster link address ${JSON.stringify(address)} must be host:port (or [IPv6]:port)`);
  }
  return { host, port };
}
