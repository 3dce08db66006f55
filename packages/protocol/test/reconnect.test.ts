import { expect } from 'chai';
import { ReconnectLoop, type SessionEnded } from '../src/reconnect.js';

const HOUR = 3_600_000;

/** random() = 1 makes every delay its full-jitter bound, so the rules show in exact numbers. */
function loop(stableAfterMs = 30_000, random = (): number => 1): ReconnectLoop {
  return new ReconnectLoop({ backoff: { baseMs: 100, capMs: 1_000 }, stableAfterMs, random });
}

describe('reconnect loop: the rules', () => {
  it('doubles the bound after each failure up to the cap (full jitter scales it)', () => {
    const l = loop();
    expect([1, 2, 3, 4, 5, 6].map(() => l.delayAfter({ failed: true }))).to.deep.equal([100, 200, 400, 800, 1000, 1000]);
    const half = loop(30_000, () => 0.5);
    expect([1, 2, 3].map(() => half.delayAfter({ failed: true }))).to.deep.equal([50, 100, 200]);
  });

  it('resets after a session that stayed up long enough, not after a short one', () => {
    const l = loop(30_000);
    for (let i = 0; i < 4; i++) l.delayAfter({ failed: true });
    expect(l.delayAfter({ ended: { upForMs: 29_999 } })).to.equal(1000);
    expect(l.delayAfter({ ended: { upForMs: 30_000 } })).to.equal(100);
    expect(l.delayAfter({ failed: true })).to.equal(200);
  });

  it("takes the server's drain hint instead of the backoff, without widening it", () => {
    const l = loop(30_000);
    l.delayAfter({ failed: true });
    expect(l.delayAfter({ ended: { upForMs: 10, retryAfterMs: 7_000 } })).to.equal(7_000);
    expect(l.delayAfter({ ended: { upForMs: 10, retryAfterMs: 0 } })).to.equal(0);
    expect(l.attempts).to.equal(1);
  });

  it("waits at least what a rate-limited server asked for", () => {
    const l = loop();
    expect(l.delayAfter({ failed: true, notBeforeMs: 5_000 })).to.equal(5_000);
    expect(l.delayAfter({ failed: true, notBeforeMs: 50 })).to.equal(200);
  });

  it('with stableAfterMs 0 every session that came up resets it (the developer session)', () => {
    const l = loop(0);
    for (let i = 0; i < 5; i++) l.delayAfter({ failed: true });
    expect(l.delayAfter({ ended: { upForMs: 0 } })).to.equal(100);
  });
});

describe('reconnect loop: running', () => {
  it('connects again after each end or failure, reporting each wait', async () => {
    const l = loop(0, () => 0);
    const outcomes: Array<SessionEnded | Error> = [new Error('refused'), { upForMs: 5 }, { upForMs: 5, retryAfterMs: 0 }];
    const waits: Array<[number, number, string | undefined]> = [];
    let connects = 0;
    await l.run({
      connect: async () => {
        connects += 1;
        const next = outcomes.shift();
        if (next === undefined) {
          l.stop();
          throw new Error('stopped');
        }
        if (next instanceof Error) throw next;
        return next;
      },
      failed: () => undefined,
      retrying: (delay, attempt, failure) => waits.push([delay, attempt, failure instanceof Error ? failure.message : undefined]),
    });
    expect(connects).to.equal(4);
    expect(waits).to.deep.equal([
      [0, 1, 'refused'],
      [0, 1, undefined],
      // A drain hint replaces the backoff: the count stays where the reset left it.
      [0, 0, undefined],
    ]);
  });

  it('stop() ends a wait at once and no attempt follows', async () => {
    const l = new ReconnectLoop({ backoff: { baseMs: HOUR, capMs: HOUR }, stableAfterMs: 0, random: () => 1 });
    let connects = 0;
    const running = l.run({
      connect: async () => {
        connects += 1;
        throw new Error('down');
      },
      failed: () => undefined,
      // The loop is about to sleep an hour: the test would time out unless stop() wakes it.
      retrying: () => setImmediate(() => l.stop()),
    });
    await running;
    expect(connects).to.equal(1);
    expect(l.isStopped).to.equal(true);
  });

  it('retryNow() ends a wait at once, starts the backoff over, and is a no-op while not waiting', async () => {
    const l = new ReconnectLoop({ backoff: { baseMs: HOUR, capMs: 4 * HOUR }, stableAfterMs: 0, random: () => 1 });
    expect(l.retryNow(), 'nothing to cut short before the loop runs').to.equal(false);
    const waits: number[] = [];
    await l.run({
      connect: async () => {
        throw new Error('down');
      },
      failed: () => undefined,
      // Each wait would be an hour or more: only retryNow() (then stop()) lets the test finish.
      retrying: (delay) => {
        waits.push(delay);
        setImmediate(() => (waits.length < 3 ? l.retryNow() : l.stop()));
      },
    });
    expect(waits).to.deep.equal([HOUR, HOUR, HOUR]);
  });

  it('asks the failed hook for a floor and does not call it once stopped', async () => {
    const l = loop();
    const floors: number[] = [];
    let failedCalls = 0;
    await l.run({
      connect: async () => {
        if (failedCalls === 1) l.stop();
        throw new Error('no');
      },
      failed: () => {
        failedCalls += 1;
        return 0;
      },
      retrying: (delay) => floors.push(delay),
    });
    expect(failedCalls).to.equal(1);
    expect(floors).to.deep.equal([100]);
  });
});
