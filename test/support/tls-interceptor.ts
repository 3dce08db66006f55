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
  /**
   * Sends a WebSocket binary message of the box's making to every device connected through it, as
   * if the server had sent it, between two of the server's frames. Returns how many devices got it.
   */
  injectToDevice(payload: Buffer): number;
  /** Flips one bit in the next non-empty binary message from the server to a device; resolves once done. */
  tamperNextToDevice(): Promise<void>;
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
  /** Device-side sockets past the WebSocket upgrade: where injected frames go. */
  const upgraded = new Set<tls.TLSSocket>();
  let tamper: (() => void) | null = null;
  const box: TlsInterceptor = { port: 0, caPem: ca.certificatePem, fromDevice, fromServer, handshakes: 0, injectToDevice, tamperNextToDevice, close };

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
    device.pipe(onward);
    // Server to device goes frame by frame, so what the box adds lands between whole frames.
    let pending = Buffer.alloc(0);
    let head = true;
    device.once('close', () => upgraded.delete(device));
    onward.on('data', (d: Buffer) => {
      fromServer[index] = Buffer.concat([fromServer[index]!, d]);
      pending = Buffer.concat([pending, d]);
      if (head) {
        const end = pending.indexOf('\r\n\r\n');
        if (end < 0) return;
        device.write(pending.subarray(0, end + 4));
        pending = pending.subarray(end + 4);
        head = false;
        upgraded.add(device);
      }
      for (let end = frameEnd(pending); end > 0; end = frameEnd(pending)) {
        const frame = Buffer.from(pending.subarray(0, end));
        pending = pending.subarray(end);
        if (tamper && frame[0] === BINARY_FINAL && end > payloadStart(frame)) {
          frame[end - 1]! ^= 0x01;
          tamper();
          tamper = null;
        }
        device.write(frame);
      }
    });
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  box.port = (server.address() as AddressInfo).port;

  function injectToDevice(payload: Buffer): number {
    for (const device of upgraded) device.write(Buffer.concat([binaryHeader(payload.length), payload]));
    return upgraded.size;
  }

  function tamperNextToDevice(): Promise<void> {
    return new Promise((resolve) => (tamper = resolve));
  }

  function close(): Promise<void> {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }
  return box;
}

/** FIN + binary opcode: a whole binary message in one frame, as our server sends them. */
const BINARY_FINAL = 0x82;

/** An unmasked frame header (server to client frames are never masked). */
function binaryHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([BINARY_FINAL, length]);
  if (length < 0x10000) {
    const h = Buffer.from([BINARY_FINAL, 126, 0, 0]);
    h.writeUInt16BE(length, 2);
    return h;
  }
  const h = Buffer.alloc(10);
  h[0] = BINARY_FINAL;
  h[1] = 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h;
}

/** Where an unmasked frame's payload starts, or Infinity if its header is not all there yet. */
function payloadStart(frame: Buffer): number {
  if (frame.length < 2) return Infinity;
  const length = frame[1]! & 0x7f;
  return length === 126 ? 4 : length === 127 ? 10 : 2;
}

/** The end of the first whole frame in the buffer, or -1 if it has not all arrived. */
function frameEnd(buffer: Buffer): number {
  const start = payloadStart(buffer);
  if (buffer.length < start) return -1;
  const short = buffer[1]! & 0x7f;
  const length = short === 126 ? buffer.readUInt16BE(2) : short === 127 ? Number(buffer.readBigUInt64BE(2)) : short;
  return buffer.length >= start + length ? start + length : -1;
}
