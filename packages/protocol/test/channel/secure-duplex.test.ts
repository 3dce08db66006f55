import type net from 'node:net';
import { expect } from 'chai';
import { createKeyShare, deriveSessionKeys, SecureChannelErrorCode, SecureDuplex, type SessionKeys } from '../../src/channel/index.js';
import { YamuxSession } from '../../src/yamux/index.js';
import { echoServer, randomPayload, readAll, sha256, streamError, tcpPair, waitUntil } from '../helpers.js';

const TRANSCRIPT = Buffer.from('both long-term keys signed this');

/** The two ends' keys, derived as the handshake derives them (each side from its own share and the other's public one). */
function sessionKeys(transcript = TRANSCRIPT): { device: SessionKeys; server: SessionKeys } {
  const device = createKeyShare();
  const server = createKeyShare();
  return {
    device: deriveSessionKeys(device, server.publicKey, transcript, 'device'),
    server: deriveSessionKeys(server, device.publicKey, transcript, 'server'),
  };
}

/** Splits what a SecureDuplex wrote into its records (4-byte length + ciphertext + 16-byte tag). */
function recordsOf(bytes: Buffer): Buffer[] {
  const records: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const end = at + 4 + bytes.readUInt32BE(at) + 16;
    records.push(bytes.subarray(at, end));
    at = end;
  }
  return records;
}

/** Real records as the device sends them, captured off a real socket: one record per message. */
async function deviceRecords(keys: SessionKeys, messages: string[]): Promise<Buffer[]> {
  const [deviceSocket, wire] = await tcpPair();
  const device = new SecureDuplex(deviceSocket, keys);
  const seen: Buffer[] = [];
  wire.on('data', (d: Buffer) => seen.push(d));
  for (const m of messages) {
    const before = Buffer.concat(seen).length;
    device.write(m);
    await waitUntil(() => Buffer.concat(seen).length > before, 'the record on the wire');
  }
  device.destroy();
  wire.destroy();
  return recordsOf(Buffer.concat(seen));
}

/** A server end reading whatever bytes the test puts on the wire: what it decrypted, and its error. */
async function serverReading(keys: SessionKeys): Promise<{ wire: net.Socket; received: () => string; error: Promise<Error & { code?: string }> }> {
  const [wire, serverSocket] = await tcpPair();
  const server = new SecureDuplex(serverSocket, keys);
  const chunks: Buffer[] = [];
  server.on('data', (d: Buffer) => chunks.push(d));
  return { wire, received: () => Buffer.concat(chunks).toString(), error: streamError(server) };
}

/** Sends messages as records, lets a box rewrite the list of records, and says how the server end took what arrived. */
async function delivered(messages: string[], box: (records: Buffer[]) => Buffer[]): Promise<{ code: string | undefined; received: string }> {
  const keys = sessionKeys();
  const server = await serverReading(keys.server);
  server.wire.write(Buffer.concat(box(await deviceRecords(keys.device, messages))));
  const { code } = await server.error;
  return { code, received: server.received() };
}

describe('secure channel: AEAD records between device and server', () => {
  it('carries a yamux session both ways byte-identical, writes larger than a record included', async () => {
    const keys = sessionKeys();
    const [a, b] = await tcpPair();
    const client = new YamuxSession(new SecureDuplex(a, keys.device), { role: 'client', config: {} });
    const server = new YamuxSession(new SecureDuplex(b, keys.server), { role: 'server', config: {} });
    echoServer(server);
    const stream = client.open();
    const data = randomPayload(3 * 1024 * 1024 + 5);
    stream.end(data);
    expect(sha256(await readAll(stream))).to.equal(sha256(data));
    client.close();
  });

  it('the bytes on the wire hold no plaintext', async () => {
    const keys = sessionKeys();
    const records = await deviceRecords(keys.device, ['MARKER-visible-only-to-the-ends']);
    expect(Buffer.concat(records).includes('MARKER')).to.equal(false);
  });

  it('delivers records sent in order', async () => {
    const keys = sessionKeys();
    const records = await deviceRecords(keys.device, ['one ', 'two ', 'three']);
    const server = await serverReading(keys.server);
    server.wire.write(Buffer.concat(records));
    await waitUntil(() => server.received() === 'one two three', () => `all three records, got "${server.received()}"`);
  });

  it('an altered byte: ERR_CHANNEL_TAMPERED, and nothing of that record is delivered', async () => {
    const outcome = await delivered(['first ', 'second'], ([first, second]) => {
      const altered = Buffer.from(second!);
      altered[6]! ^= 0x01;
      return [first!, altered];
    });
    expect(outcome).to.deep.equal({ code: SecureChannelErrorCode.Tampered, received: 'first ' });
  });

  it('reordered records: ERR_CHANNEL_TAMPERED before anything is delivered', async () => {
    const outcome = await delivered(['first ', 'second'], ([first, second]) => [second!, first!]);
    expect(outcome).to.deep.equal({ code: SecureChannelErrorCode.Tampered, received: '' });
  });

  it('a replayed record: ERR_CHANNEL_TAMPERED; the original is delivered once', async () => {
    const outcome = await delivered(['pay 10 '], ([once]) => [once!, once!]);
    expect(outcome).to.deep.equal({ code: SecureChannelErrorCode.Tampered, received: 'pay 10 ' });
  });

  it('an injected record under other keys (a box with its own key exchange): ERR_CHANNEL_TAMPERED', async () => {
    const keys = sessionKeys();
    const forged = await deviceRecords(sessionKeys().device, ['{"host":"127.0.0.1","port":22}']);
    const server = await serverReading(keys.server);
    server.wire.write(forged[0]!);
    expect((await server.error).code).to.equal(SecureChannelErrorCode.Tampered);
    expect(server.received()).to.equal('');
  });

  it('a record sent back to its sender (a reflected record) fails: each direction has its own key', async () => {
    const keys = sessionKeys();
    const records = await deviceRecords(keys.device, ['reflect me']);
    const device = await serverReading(keys.device);
    device.wire.write(records[0]!);
    expect((await device.error).code).to.equal(SecureChannelErrorCode.Tampered);
  });

  it('keys derived over a different transcript do not open the records', async () => {
    const device = createKeyShare();
    const server = createKeyShare();
    const records = await deviceRecords(deriveSessionKeys(device, server.publicKey, TRANSCRIPT, 'device'), ['hello']);
    const reader = await serverReading(deriveSessionKeys(server, device.publicKey, Buffer.from('another session'), 'server'));
    reader.wire.write(records[0]!);
    expect((await reader.error).code).to.equal(SecureChannelErrorCode.Tampered);
  });

  it('a connection cut inside a record: ERR_CHANNEL_TRUNCATED', async () => {
    const keys = sessionKeys();
    const records = await deviceRecords(keys.device, ['complete ', 'cut short']);
    const server = await serverReading(keys.server);
    server.wire.end(Buffer.concat([records[0]!, records[1]!.subarray(0, 10)]));
    expect((await server.error).code).to.equal(SecureChannelErrorCode.Truncated);
    expect(server.received()).to.equal('complete ');
  });

  it('a header announcing a huge record is refused before buffering it: ERR_CHANNEL_RECORD_TOO_LARGE', async () => {
    const keys = sessionKeys();
    const server = await serverReading(keys.server);
    const header = Buffer.alloc(4);
    header.writeUInt32BE(0x7fffffff, 0);
    server.wire.write(header);
    expect((await server.error).code).to.equal(SecureChannelErrorCode.RecordTooLarge);
  });

  it('refuses a low-order peer key share (an all-zero shared secret anyone could compute)', () => {
    const zeroPoint = Buffer.alloc(32).toString('base64url');
    expect(() => deriveSessionKeys(createKeyShare(), zeroPoint, TRANSCRIPT, 'device'))
      .to.throw()
      .with.property('code', SecureChannelErrorCode.BadKeyShare);
  });
});
