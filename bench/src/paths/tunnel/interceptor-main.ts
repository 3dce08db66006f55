/**
 * A TLS-inspecting box for the `tunnel-dpi` path, in its own process: it terminates the agent's
 * TLS with a certificate from its own CA (which the device trusts through balenaRootCA, as on a
 * network that inspects TLS), opens its own TLS to the server, and relays the bytes. The agent
 * detects it by channel binding and runs its session through the secure layer.
 *
 *   node interceptor-main.js <server port> <server CA file>   (forked; sends {port, caPem} over IPC)
 */
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import tls from 'node:tls';
import { createDevCa, createServerCertificate } from '@tunnel/protocol/dev-pki';

export interface InterceptorReady {
  port: number;
  caPem: string;
}

async function main(): Promise<void> {
  const [upstreamPort, caFile] = process.argv.slice(2);
  const upstreamCa = fs.readFileSync(caFile ?? '', 'utf8');
  const ca = await createDevCa({ commonName: 'Bench DPI root', organization: 'Example DPI' });
  const leaf = await createServerCertificate(ca);
  const server = tls.createServer({ key: leaf.privateKeyPem, cert: leaf.certificatePem }, (device) => {
    device.setNoDelay(true);
    const onward = tls.connect({ host: '127.0.0.1', port: Number(upstreamPort), ca: upstreamCa, servername: 'localhost' });
    onward.setNoDelay(true);
    for (const s of [device, onward]) {
      s.on('error', () => undefined);
      s.once('close', () => {
        device.destroy();
        onward.destroy();
      });
    }
    device.pipe(onward);
    onward.pipe(device);
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const ready: InterceptorReady = { port: (server.address() as AddressInfo).port, caPem: ca.certificatePem };
  process.send?.(ready);
}

main().catch((err: unknown) => {
  console.error(`interceptor: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
