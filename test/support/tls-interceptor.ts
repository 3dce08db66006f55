import type { Writable } from 'node:stream';
import tls from 'node:tls';
import type { AddressInfo } from 'node:net';
import { createDevCa, createServerCertificate } from '@tunnel/protocol/dev-pki';

export type Direction = 'toDevice' | 'toServer';

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
  /** Flips one bit in the next non-empty binary message going that way; resolves once done. */
  tamperNext(direction: Direction): Promise<void>;
  /** Rewrites every text message (the handshake's JSON) a device sends, from now on. */
  rewriteTextToServer(rewrite: ((text: string) => string) | null): void;
  /**
   * Rewrites every text message the server sends to a device, from now on; the box knows the
   * tls-exporter value of its own TLS connection with the device, and hands it to rewrite.
   */
  rewriteTextToDevice(rewrite: ((text: string, deviceTlsExporter: string) => string) | null): void;
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
  const tamper: Record<Direction, (() => void) | null> = { toDevice: null, toServer: null };
  let rewriteText: ((text: string) => string) | null = null;
  let rewriteTextBack: ((text: string, deviceTlsExporter: string) => string) | null = null;
  const box: TlsInterceptor = {
    port: 0,
    caPem: ca.certificatePem,
    fromDevice,
    fromServer,
    handshakes: 0,
    injectToDevice,
    tamperNext: (direction) => new Promise((resolve) => (tamper[direction] = resolve)),
    rewriteTextToServer: (rewrite) => (rewriteText = rewrite),
    rewriteTextToDevice: (rewrite) => (rewriteTextBack = rewrite),
    close,
  };

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
    device.once('close', () => upgraded.delete(device));
    // Both ways go frame by frame, so what the box adds or changes lands between whole frames.
    const toServer = frameRelay(onward, (frame) => {
      const text = rewriteText && frame[0] === TEXT_FINAL ? rewriteText(unmasked(frame).toString('utf8')) : undefined;
      return text === undefined ? tampered(frame, 'toServer') : maskedFrame(TEXT_FINAL, Buffer.from(text, 'utf8'));
    });
    const toDevice = frameRelay(
      device,
      (frame) => {
        if (rewriteTextBack && frame[0] === TEXT_FINAL) {
          const exporter = device.exportKeyingMaterial(32, 'EXPORTER-Channel-Binding', Buffer.alloc(0)).toString('base64url');
          const text = Buffer.from(rewriteTextBack(unmasked(frame).toString('utf8'), exporter), 'utf8');
          return Buffer.concat([frameHeader(TEXT_FINAL, text.length, false), text]);
        }
        return tampered(frame, 'toDevice');
      },
      () => upgraded.add(device),
    );
    device.on('data', (d: Buffer) => {
      fromDevice[index] = Buffer.concat([fromDevice[index]!, d]);
      toServer(d);
    });
    onward.on('data', (d: Buffer) => {
      fromServer[index] = Buffer.concat([fromServer[index]!, d]);
      toDevice(d);
    });
  });
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  box.port = (server.address() as AddressInfo).port;

  function injectToDevice(payload: Buffer): number {
    for (const device of upgraded) device.write(Buffer.concat([frameHeader(BINARY_FINAL, payload.length, false), payload]));
    return upgraded.size;
  }

  /** The frame, or if a tamper is armed for that way and it is a binary message, with its last bit flipped (masked or not). */
  function tampered(frame: Buffer, direction: Direction): Buffer {
    const done = tamper[direction];
    if (!done || frame[0] !== BINARY_FINAL || frame.length <= payloadStart(frame)) return frame;
    const altered = Buffer.from(frame);
    altered[altered.length - 1]! ^= 0x01;
    tamper[direction] = null;
    done();
    return altered;
  }

  function close(): Promise<void> {
    for (const s of sockets) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  }
  return box;
}

/** FIN + text / binary opcode: a whole message in one frame, as our ends send them. */
const TEXT_FINAL = 0x81;
const BINARY_FINAL = 0x82;

/**
 * Relays one direction of a WebSocket connection: the HTTP head as is (upgraded() once it has
 * passed), then whole frames, each through edit().
 */
function frameRelay(to: Writable, edit: (frame: Buffer) => Buffer, upgraded?: () => void): (data: Buffer) => void {
  let pending = Buffer.alloc(0);
  let head = true;
  return (data) => {
    pending = Buffer.concat([pending, data]);
    if (head) {
      const end = pending.indexOf('\r\n\r\n');
      if (end < 0) return;
      to.write(pending.subarray(0, end + 4));
      pending = pending.subarray(end + 4);
      head = false;
      upgraded?.();
    }
    for (let end = frameEnd(pending); end > 0; end = frameEnd(pending)) {
      const frame = pending.subarray(0, end);
      pending = pending.subarray(end);
      to.write(edit(frame));
    }
  };
}

function frameHeader(first: number, length: number, masked: boolean): Buffer {
  const mask = masked ? 0x80 : 0;
  if (length < 126) return Buffer.from([first, mask | length]);
  if (length < 0x10000) {
    const h = Buffer.from([first, mask | 126, 0, 0]);
    h.writeUInt16BE(length, 2);
    return h;
  }
  const h = Buffer.alloc(10);
  h[0] = first;
  h[1] = mask | 127;
  h.writeBigUInt64BE(BigInt(length), 2);
  return h;
}

/** A client frame, masked as RFC 6455 requires (with a zero key, as our agent masks). */
function maskedFrame(first: number, payload: Buffer): Buffer {
  return Buffer.concat([frameHeader(first, payload.length, true), Buffer.alloc(4), payload]);
}

/** Where a frame's payload starts, or Infinity if its header is not all there yet. */
function payloadStart(frame: Buffer): number {
  if (frame.length < 2) return Infinity;
  const short = frame[1]! & 0x7f;
  return (short === 126 ? 4 : short === 127 ? 10 : 2) + (frame[1]! & 0x80 ? 4 : 0);
}

/** The payload of a whole frame, unmasked. */
function unmasked(frame: Buffer): Buffer {
  const start = payloadStart(frame);
  const payload = Buffer.from(frame.subarray(start));
  if (frame[1]! & 0x80) {
    const key = frame.subarray(start - 4, start);
    for (let i = 0; i < payload.length; i++) payload[i]! ^= key[i % 4]!;
  }
  return payload;
}

/** The end of the first whole frame in the buffer, or -1 if it has not all arrived. */
function frameEnd(buffer: Buffer): number {
  const start = payloadStart(buffer);
  if (buffer.length < start) return -1;
  const short = buffer[1]! & 0x7f;
  const length = short === 126 ? buffer.readUInt16BE(2) : short === 127 ? Number(buffer.readBigUInt64BE(2)) : short;
  return buffer.length >= start + length ? start + length : -1;
}
