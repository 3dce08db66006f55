import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { createDevCa, createServerCertificate } from '@tunnel/protocol/dev-pki';
import WebSocket, { WebSocketServer } from 'ws';

export interface RecordedMessage {
  direction: 'device->server' | 'server->device';
  data: Buffer;
  text: boolean;
}

export interface WsRecorder {
  port: number;
  /** The recorder's own CA (PEM), for the device's serverCA: the device trusts the box in the middle. */
  caPem: string;
  messages: RecordedMessage[];
  close(): Promise<void>;
}

/**
 * A WebSocket relay in the middle that the device was told to trust: it terminates the device's
 * TLS, opens its own to the real server and records every message both ways in plaintext.
 */
export async function startWsRecorder(serverPort: number, serverCaPem: string): Promise<WsRecorder> {
  const ca = await createDevCa({ commonName: 'Recording Relay CA' });
  const leaf = await createServerCertificate(ca);
  const messages: RecordedMessage[] = [];
  const http = https.createServer({ key: leaf.privateKeyPem, cert: leaf.certificatePem });
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  wss.on('connection', (device, req) => {
    const upstream = new WebSocket(`wss://127.0.0.1:${serverPort}${req.url ?? '/'}`, { ca: serverCaPem, perMessageDeflate: false });
    const queue: [Buffer, boolean][] = [];
    device.on('message', (data: Buffer, isBinary: boolean) => {
      messages.push({ direction: 'device->server', data, text: !isBinary });
      if (upstream.readyState === WebSocket.OPEN) upstream.send(data, { binary: isBinary });
      else queue.push([data, isBinary]);
    });
    upstream.on('open', () => {
      for (const [data, binary] of queue.splice(0)) upstream.send(data, { binary });
    });
    upstream.on('message', (data: Buffer, isBinary: boolean) => {
      messages.push({ direction: 'server->device', data, text: !isBinary });
      device.send(data, { binary: isBinary });
    });
    const closeBoth = (): void => {
      device.terminate();
      upstream.terminate();
    };
    device.on('close', closeBoth);
    upstream.on('close', closeBoth);
    device.on('error', closeBoth);
    upstream.on('error', closeBoth);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    port: (http.address() as AddressInfo).port,
    caPem: ca.certificatePem,
    messages,
    close: () =>
      new Promise((resolve) => {
        for (const c of wss.clients) c.terminate();
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
