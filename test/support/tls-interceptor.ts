import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createDevCa, createServerCertificate } from '@tunnel/protocol/dev-pki';

export const INTERCEPTOR_CA_NAME = { commonName: 'RCSI-TLS-PROTECT', organization: 'Example DPI' };

/** A TLS-inspecting middlebox of the kind the masterclass's DPI section describes. */
export interface TlsInterceptor {
  port: number;
  /** The box's own root CA, PEM: what a network operator hands out for balenaRootCA. */
  caPem: string;
  /** Plaintext the box decrypted, per connection, in each direction. */
  fromDevice: Buffer[];
  fromServer: Buffer[];
  /** Devices whose TLS handshake with the box completed. */
  handshakes: number;
  close(): Promise<void>;
}

/**
 * Terminates TLS with a certificate for the endpoint signed by its own CA ("CN=RCSI-TLS-PROTECT,
 * O=Example DPI"), connects onward to the real server with TLS (trusting the server's CA, as a
 * real box trusts public roots), and relays plaintext both ways while recording all of it.
 */
export async function startTlsInterceptor(upstream: { port: number; caPem: string }): Promise<TlsInterceptor> {
  const ca = await createDevCa(INTERCEPTOR_CA_NAME);
  const leaf = await createServerCertificate(ca);
  const fromDevice: Buffer[] = [];
  const fromServer: Buffer[] = [];
  const sockets = new Set<tls.TLSSocket>();
  const box: TlsInterceptor = { port: 0, caPem: ca.certificatePem, fromDevice, fromServer, handshakes: 0, close };

  const server = tls.createServer({ key: leaf.privateKeyPem, cert: leaf.certificatePem }, (device) => {
    box.handshakes += 1;
    const index = fromDevice.length;
    fromDevice.push(Buffer.alloc(0));
    fromServer.push(Buffer.alloc(0));
    const onward = tls.connect({ host: '127.0.0.1', port: upstream.port, ca: upstream.caPem, servername: 'localhost' });
    for (const s of [device, onward]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.once('close', () => {
        sockets.delete(s);
        device.destroy();
        onward.destroy();
      });
    }
    device.on('data', (d: Buffer) => (fromDevice[index] = Buffer.concat([fromDevice[index]!, d])));
    onward.on('data', (d: Buffer) => (fromServer[index] = Buffer.concat([fromServer[index]!, d])));
    device.pipe(onward);
    onward.pipe(device);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  box.port = (server.address() as AddressInfo).port;

  function close(): Promise<void> {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }
  return box;
}
