// Real loopback connections, shared by the tests and the benchmark.
import net from 'node:net';
import WebSocket, { WebSocketServer } from 'ws';
import { zeroMask } from '../src/transport/index.js';

/** A connected pair of real loopback TCP sockets, Nagle off as the tunnel runs them. */
export async function tcpPair(): Promise<[net.Socket, net.Socket]> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const client = net.connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    client.once('connect', resolve);
    client.once('error', reject);
  });
  const serverSide = await accepted;
  server.close();
  client.setNoDelay(true);
  serverSide.setNoDelay(true);
  return [client, serverSide];
}

/** A connected pair of real loopback WebSockets (plain ws://, no compression). */
export async function wsPair(): Promise<[WebSocket, WebSocket]> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const { port } = wss.address() as net.AddressInfo;
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  // Zero mask, as our agent and CLI send it (see zeroMask).
  const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false, generateMask: zeroMask });
  await new Promise<void>((resolve, reject) => {
    client.once('open', resolve);
    client.once('error', reject);
  });
  const serverSide = await accepted;
  // Stops listening; the connection made stays up (ws 8 leaves existing clients alone).
  wss.close();
  return [client, serverSide];
}
