import { expect } from 'chai';
import { CloseCode, encodeDrainHint, MAX_DRAIN_HINT_MS, parseDrainHint } from '../src/wire.js';

describe('wire contract: the drain hint', () => {
  it('round-trips through a close reason', () => {
    const reason = encodeDrainHint({ retryAfterMs: 1234.4 });
    expect(reason).to.equal('{"retryAfterMs":1234}');
    expect(Buffer.byteLength(reason)).to.be.at.most(123);
    expect(parseDrainHint(CloseCode.Drain, reason)).to.deep.equal({ retryAfterMs: 1234 });
  });

  it('is only read from a drain close', () => {
    expect(parseDrainHint(CloseCode.Normal, '{"retryAfterMs":5}')).to.equal(undefined);
    expect(parseDrainHint(CloseCode.DeviceRemoved, '{"retryAfterMs":5}')).to.equal(undefined);
  });

  it('ignores reasons that are not a valid hint, so the caller falls back to its backoff', () => {
    for (const reason of ['', 'restarting', 'null', '[]', '{}', '{"retryAfterMs":"5"}', '{"retryAfterMs":-1}']) {
      expect(parseDrainHint(CloseCode.Drain, reason), reason).to.equal(undefined);
    }
  });

  it('caps a hint that is too far out', () => {
    expect(parseDrainHint(CloseCode.Drain, `{"retryAfterMs":${MAX_DRAIN_HINT_MS * 10}}`)).to.deep.equal({ retryAfterMs: MAX_DRAIN_HINT_MS });
  });

  it('refuses to encode a hint that is not a delay', () => {
    expect(() => encodeDrainHint({ retryAfterMs: -1 })).to.throw(RangeError, /retryAfterMs must be/);
    expect(() => encodeDrainHint({ retryAfterMs: Number.NaN })).to.throw(RangeError);
  });
});
