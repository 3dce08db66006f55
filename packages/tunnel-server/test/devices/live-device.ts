import net from 'node:net';
import { Writable, type Duplex } from 'node:stream';
import { createLogger, type Logger } from '@tunnel/protocol/log';
import { WebSocketDuplex, zeroMask } from '@tunnel/protocol/transport';
import { OpenError, OpenResult, TunnelSession } from '@tunnel/protocol/tunnel';
import WebSocket, { WebSocketServer } from 'ws';
import type { LiveDevice } from '../../src/devices/device-sessions.js';

/** A device connected to the server side for real: a WebSocket on loopback, yamux and the open handshake on both ends. */
export interface ConnectedDevice {
  /** What the server holds (DeviceSessions' entry). */
  live: LiveDevice;
  /** The device's end: it connects opens to 127.0.0.1 ports, as the agent does. */
  agent: TunnelSession;
  agentWs: WebSocket;
  /** The close code and reason the device's WebSocket received. */
  closed: Promise<{ code: number; reason: string }>;
}

export async function connectDevice(uuid: string, sessionId: string): Promise<ConnectedDevice> {
  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate: false });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  const accepted = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));
  const agentWs = new WebSocket(`ws://127.0.0.1:${(wss.address() as net.AddressInfo).port}`, { perMessageDeflate: false, generateMask: zeroMask });
  await new Promise<void>((resolve, reject) => {
    agentWs.once('open', resolve);
    agentWs.once('error', reject);
  });
  const serverWs = await accepted;
  wss.close();
  const closed = new Promise<{ code: number; reason: string }>((resolve) => agentWs.once('close', (code: number, reason: Buffer) => resolve({ code, reason: reason.toString() })));
  const agent = new TunnelSession(new WebSocketDuplex(agentWs), { role: 'client' });
  agent.serve(async (request) => {
    if (request.host !== '127.0.0.1') throw new OpenError(OpenResult.PortNotAllowed, 'loopback only');
    const socket = net.connect(request.port, request.host);
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    return { stream: socket };
  });
  const transport = new WebSocketDuplex(serverWs);
  const session = new TunnelSession(transport, { role: 'server' });
  return { live: { uuid, sessionId, session, transport, remoteAddress: '127.0.0.1', connectedAt: Date.now() }, agent, agentWs, closed };
}

/** A TCP echo service on loopback: what the devices' targets are. */
export async function echoServer(): Promise<{ port: number; close: () => void }> {
  const server = net.createServer((socket) => {
    // A stream the test cuts resets its connection here.
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, close: () => server.close() };
}

/** A real pino logger whose lines the test can wait for. */
export function capturedLogger(): { log: Logger; lines: Record<string, unknown>[]; waitFor: (msg: string) => Promise<Record<string, unknown>> } {
  const lines: Record<string, unknown>[] = [];
  const waiters = new Set<() => void>();
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(text) as Record<string, unknown>);
      for (const wake of waiters) wake();
      callback();
    },
  });
  const log = createLogger({ name: 'test', level: 'debug', destination });
  const waitFor = (msg: string): Promise<Record<string, unknown>> =>
    new Promise((resolve) => {
      const check = (): void => {
        const line = lines.find((l) => l['msg'] === msg);
        if (line === undefined) return;
        waiters.delete(check);
        resolve(line);
      };
      waiters.add(check);
      check();
    });
  return { log, lines, waitFor };
}

/** Sends `text` through a stream and reads the same number of bytes back. */
export async function roundTrip(stream: Duplex, text: string): Promise<string> {
  const chunks: Buffer[] = [];
  let got = 0;
  const back = new Promise<string>((resolve) => {
    const onData = (chunk: Buffer): void => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= Buffer.byteLength(text)) {
        stream.off('data', onData);
        resolve(Buffer.concat(chunks).toString());
      }
    };
    stream.on('data', onData);
  });
  stream.write(text);
  return back;
}
