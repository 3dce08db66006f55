import { expect } from 'chai';
import { AuthLimits } from '../src/auth/auth-limits.js';
import { FailureLimiter } from '../src/auth/failure-limiter.js';

describe('failed-authentication limiter', () => {
  it('refuses a key after maxFailures within the window, and tells how long to wait', () => {
    let now = 1_000_000;
    const limiter = new FailureLimiter({ maxFailures: 3, windowMs: 60_000, maxKeys: 100 }, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfter('ip:10.0.0.1')).to.equal(0);
      limiter.recordFailure('ip:10.0.0.1');
    }
    now += 10_000;
    expect(limiter.retryAfter('ip:10.0.0.1')).to.equal(50_000);
    expect(limiter.retryAfter('ip:10.0.0.2'), 'other sources are not affected').to.equal(0);
    now += 50_000;
    expect(limiter.retryAfter('ip:10.0.0.1')).to.equal(0);
  });

  it('forgets failures after a success', () => {
    const limiter = new FailureLimiter({ maxFailures: 2, windowMs: 60_000, maxKeys: 100 });
    limiter.recordFailure('uuid:a');
    limiter.recordFailure('uuid:a');
    expect(limiter.retryAfter('uuid:a')).to.be.greaterThan(0);
    limiter.recordSuccess('uuid:a');
    expect(limiter.retryAfter('uuid:a')).to.equal(0);
  });

  it('keeps at most maxKeys keys, so a flood of sources cannot grow memory', () => {
    const limiter = new FailureLimiter({ maxFailures: 1, windowMs: 60_000, maxKeys: 10 });
    for (let i = 0; i < 1000; i++) limiter.recordFailure(`ip:${i}`);
    expect(limiter.retryAfter('ip:0'), 'the oldest was evicted').to.equal(0);
    expect(limiter.retryAfter('ip:999')).to.be.greaterThan(0);
  });
});

describe('authentication limits per source and per subject', () => {
  it('stops a guessed uuid quickly but lets the neighbours behind the same address in', () => {
    const limits = new AuthLimits({ maxFailures: 50 }, { maxFailures: 5 });
    for (let i = 0; i < 5; i++) limits.recordFailure('203.0.113.7', 'device:broken');
    expect(limits.subjectRetryAfter('device:broken')).to.be.greaterThan(0);
    expect(limits.sourceRetryAfter('203.0.113.7'), 'the shared NAT address is still fine').to.equal(0);
    expect(limits.subjectRetryAfter('device:neighbour')).to.equal(0);
    for (let i = 0; i < 45; i++) limits.recordFailure('203.0.113.7', `device:guess-${i}`);
    expect(limits.sourceRetryAfter('203.0.113.7'), 'a source guessing many uuids is stopped').to.be.greaterThan(0);
  });
});
