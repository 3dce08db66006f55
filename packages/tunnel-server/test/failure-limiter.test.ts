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

describe('authentication limits per source and globally', () => {
  it('never refuses a uuid, only the sources that fail', () => {
    const limits = new AuthLimits({ maxFailures: 50 });
    for (let i = 0; i < 50; i++) limits.recordFailure('203.0.113.7', 'device:victim');
    expect(limits.sourceRetryAfter('203.0.113.7'), 'the guessing source is stopped').to.be.greaterThan(0);
    expect(limits.sourceRetryAfter('198.51.100.1'), 'the genuine device elsewhere is not').to.equal(0);
    expect(limits.subjectFailures('device:victim'), 'the dashboard still sees the attempts').to.equal(50);
  });

  it('past the global limit refuses every source that failed, not the ones that did not', () => {
    const limits = new AuthLimits({ maxFailures: 50 }, { maxFailures: 20 });
    for (let i = 0; i < 20; i++) limits.recordFailure(`192.0.2.${i}`, 'device:victim');
    expect(limits.sourceRetryAfter('192.0.2.3'), 'a distributed guesser is stopped').to.be.greaterThan(0);
    expect(limits.sourceRetryAfter('198.51.100.1'), 'a source with no failure still gets in').to.equal(0);
  });
});
