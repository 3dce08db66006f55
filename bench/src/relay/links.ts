import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import WebSocket, { WebSocketServer } from 'ws';
import { createKeyShare, deriveSessionKeys, SecureDuplex } from '@tunnel/protocol/channel';
import { WebSocketDuplex, zeroMask } from '@tunnel/protocol/transport';
import { YamuxSession } from '@tunnel/protocol/yamux';

/** The links a relay chain can be built with, each one layer more of the tunnel's data path. */
export const LINKS = {
  tcp: 'TCP (the floor for Node)',
  tls: 'TLS',
  websocket: 'TLS + WebSocket',
  yamux: 'TLS + WebSocket + yamux',
  'yamux-piped': 'TLS + WebSocket + yamux, the middle relay through pipe() (the relay before issue 16)',
  secure: 'TLS + WebSocket + secure layer + yamux (a device behind a TLS-inspecting box)',
} as const;
export type Link = keyof typeof LINKS;

/** The relays' certificate, and the CA the dialling side checks it against. */
export interface Pki {
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

const HOST = '127.0.0.1';

function listening(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, HOST, () => resolve((server.address() as net.AddressInfo).port)));
}

/** Accepts byte streams of `link` kind, one per connection (or per yamux stream); resolves with the port. */
export function listenLink(link: Link, pki: Pki, onStream: (s: Duplex) => void): Promise<number> {
  const noDelay = (s: net.Socket): void => {
    s.setNoDelay(true);
    onStream(s);
  };
  if (link === 'tcp') return listening(net.createServer(noDelay));
  if (link === 'tls') return listening(tls.createServer({ key: pki.key, cert: pki.cert }, noDelay));
  const server = https.createServer({ key: pki.key, cert: pki.cert });
  new WebSocketServer({ server, perMessageDeflate: false }).on('connection', (ws) => {
    void bytePipe(ws, link, 'server').then((pipe) => {
      if (link === 'websocket') onStream(pipe);
      else new YamuxSession(pipe, { role: 'server' }).on('stream', onStream);
    });
  });
  return listening(server);
}

/** Opens one byte stream of `link` kind to the next relay (or, as TCP, to the echo service). */
export async function dialLink(link: Link, pki: Pki, port: number): Promise<Duplex> {
  if (link === 'tcp' || link === 'tls') {
    const socket = link === 'tcp' ? net.connect(port, HOST) : tls.connect({ port, host: HOST, ca: pki.ca });
    await new Promise<void>((resolve, reject) => {
      socket.once(link === 'tcp' ? 'connect' : 'secureConnect', resolve);
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    return socket;
  }
  const ws = new WebSocket(`wss://${HOST}:${port}/`, { ca: pki.ca, perMessageDeflate: false, generateMask: zeroMask });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const pipe = await bytePipe(ws, link, 'device');
  return link === 'websocket' ? pipe : new YamuxSession(pipe, { role: 'client' }).open();
}

/**
 * The WebSocket as a byte pipe; for the secure link, under the secure layer, keyed by an X25519
 * exchange of one text message each way (the product's handshake also signs it; that costs once
 * per session, not per round trip).
 */
async function bytePipe(ws: WebSocket, link: Link, role: 'device' | 'server'): Promise<Duplex> {
  if (link !== 'secure') return new WebSocketDuplex(ws);
  const ours = createKeyShare();
  const theirs = new Promise<string>((resolve) => ws.once('message', (data: Buffer) => resolve(data.toString('utf8'))));
  ws.send(ours.publicKey);
  const keys = deriveSessionKeys(ours, await theirs, Buffer.from('relay-bench'), role);
  return new SecureDuplex(new WebSocketDuplex(ws), keys);
}
