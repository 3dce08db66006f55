import { expect } from 'chai';
import { AuthErrorCode, parseHello, parseProof, parseServerMessage, transcript, type TranscriptFields } from '../../src/auth/index.js';

const SHARE = 'A'.repeat(43);
const HELLO = { type: 'hello', v: 1, uuid: 'a'.repeat(32), nonce: 'n'.repeat(43), agentVersion: 'test' };
const FIELDS: TranscriptFields = { uuid: 'a'.repeat(32), deviceNonce: 'd', serverNonce: 's', sessionId: 'id', serverKey: 'k' };
const CHANNEL = { tlsExporter: 'E'.repeat(43), deviceKx: 'D'.repeat(43), serverKx: 'S'.repeat(43) };

describe('device handshake: channel binding fields', () => {
  it('a hello with a key share asks for channel binding; one without is an older agent', () => {
    expect(parseHello({ ...HELLO, kx: SHARE }).kx).to.equal(SHARE);
    expect(parseHello(HELLO)).to.not.have.property('kx');
  });

  it('refuses a key share that is not 32 bytes of base64url', () => {
    for (const kx of ['short', 'A'.repeat(44), `${'A'.repeat(42)}=`, 42]) {
      expect(() => parseHello({ ...HELLO, kx }), String(kx)).to.throw().with.property('code', AuthErrorCode.Protocol);
    }
  });

  it("reads the server's channel offer from a challenge, and its absence from an older server", () => {
    const challenge = { type: 'challenge', nonce: 'n'.repeat(43), sessionId: 'id', serverKey: 'k'.repeat(43), signature: 's'.repeat(86), serverTime: 1 };
    expect(parseServerMessage({ ...challenge, channel: { tlsExporter: SHARE, kx: SHARE } })).to.deep.include({ channel: { tlsExporter: SHARE, kx: SHARE } });
    expect(parseServerMessage(challenge)).to.not.have.property('channel');
    expect(() => parseServerMessage({ ...challenge, channel: { tlsExporter: 'x', kx: SHARE } }))
      .to.throw()
      .with.property('code', AuthErrorCode.Protocol);
  });

  it('reads the secure-layer choice from a proof; anything but true is plain TLS', () => {
    const proof = { type: 'proof', signature: 's'.repeat(86), clockOffsetMs: 0 };
    expect(parseProof({ ...proof, secure: true }).secure).to.equal(true);
    expect(parseProof({ ...proof, secure: 'yes' }).secure).to.equal(false);
    expect(parseProof(proof).secure).to.equal(false);
  });

  it('the transcript covers the channel, and the device side also covers its choice of layer', () => {
    const plain = transcript('server', FIELDS).toString();
    const bound = transcript('server', { ...FIELDS, channel: CHANNEL }).toString();
    expect(bound.startsWith(plain)).to.equal(true);
    expect(bound).to.contain(CHANNEL.tlsExporter).and.contain(CHANNEL.deviceKx).and.contain(CHANNEL.serverKx);
    const secure = transcript('device', { ...FIELDS, channel: { ...CHANNEL, secure: true } });
    const tls = transcript('device', { ...FIELDS, channel: { ...CHANNEL, secure: false } });
    expect(secure.equals(tls)).to.equal(false);
    // The server's transcript does not depend on a choice the device makes after reading it.
    expect(transcript('server', { ...FIELDS, channel: { ...CHANNEL, secure: true } }).toString()).to.equal(bound);
  });

  it("a connection test is in both sides' transcripts, so stripping or adding the flag breaks the signatures", () => {
    for (const role of ['server', 'device'] as const) {
      const probe = transcript(role, { ...FIELDS, probe: true }).toString();
      expect(probe, role).to.not.equal(transcript(role, FIELDS).toString());
      expect(probe.endsWith('\nprobe'), role).to.equal(true);
    }
    expect(transcript('device', { ...FIELDS, probe: false }).toString()).to.equal(transcript('device', FIELDS).toString());
  });
});
