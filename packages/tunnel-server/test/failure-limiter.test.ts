import { expect } from 'chai';
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
