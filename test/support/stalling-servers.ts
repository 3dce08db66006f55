import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { createDevCa, createServerCertificate } from '@tunnel/protocol/dev-pki';
import { WebSocketServer } from 'ws';

/** Where a device stalls, and the CA to trust so that TLS itself is never the failure. */
export interface StallingServer {
  port: number;
  /** base64 PEM of the server's CA, for the device's serverCA. */
  serverCA: string;
  close(): void;
}

/** The phase a server stops answering in. */
export type StallPhase = 'tls' | 'upgrade' | 'auth';

/**
 * A server that goes silent at one phase of the device's connection, as a captive portal, a
 * stalled middlebox or a SIGSTOP'd relay does: it accepts TCP and never speaks TLS; or completes
 * TLS and never answers the HTTP upgrade; or upgrades and never sends the auth challenge.
 */
export async function startStallingServer(phase: StallPhase): Promise<StallingServer> {
  const ca = await createDevCa({ commonName: 'Stalling Server CA' });
  const leaf = await createServerCertificate(ca);
  const held: net.Socket[] = [];
  const hold = (socket: net.Socket): void => {
    socket.on('error', () => undefined);
    held.push(socket);
  };
  let server: net.Server;
  if (phase === 'tls') server = net.createServer(hold);
  else if (phase === 'upgrade') server = tls.createServer({ key: leaf.privateKeyPem, cert: leaf.certificatePem }, hold);
  else {
    const http = https.createServer({ key: leaf.privateKeyPem, cert: leaf.certificatePem });
    const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
    wss.on('connection', (ws) => ws.on('error', () => undefined));
    http.on('connection', hold);
    server = http;
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    serverCA: Buffer.from(ca.certificatePem).toString('base64'),
    close: () => {
      for (const socket of held) socket.destroy();
      server.close();
    },
  };
}
