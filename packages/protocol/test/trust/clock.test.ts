import { expect } from 'chai';
import { describeClockOffset, estimateClockOffset } from '../../src/trust/index.js';

describe('trust: clock offset from the server\'s HTTP Date', () => {
  it('estimates a device years behind, as after a boot without RTC', () => {
    const sentAt = new Date('2017-03-23T12:00:04.000Z');
    const receivedAt = new Date('2017-03-23T12:00:04.200Z');
    const estimate = estimateClockOffset('Sun, 22 Nov 2026 18:30:00 GMT', sentAt, receivedAt);
    expect(estimate).to.not.equal(undefined);
    if (!estimate) return;
    expect(estimate.serverTime.toISOString()).to.equal('2026-11-22T18:30:00.000Z');
    expect(estimate.uncertaintyMs).to.equal(600);
    expect(estimate.offsetMs).to.equal(Date.parse('2026-11-22T18:30:00.500Z') - Date.parse('2017-03-23T12:00:04.100Z'));
    expect(describeClockOffset(estimate)).to.equal('device clock is 9 years 246 days behind the server (±600 ms)');
  });

  it('says the clocks agree when the difference is within the uncertainty', () => {
    const now = Date.parse('2026-11-22T18:30:00.400Z');
    const estimate = estimateClockOffset('Sun, 22 Nov 2026 18:30:00 GMT', new Date(now - 50), new Date(now + 50));
    expect(estimate && describeClockOffset(estimate)).to.equal('device clock agrees with the server (within ±550 ms)');
  });

  it('reports a clock ahead and ignores a missing or malformed header', () => {
    const now = Date.parse('2026-11-22T21:42:10Z');
    const estimate = estimateClockOffset('Sun, 22 Nov 2026 18:30:00 GMT', new Date(now), new Date(now));
    expect(estimate && describeClockOffset(estimate)).to.equal('device clock is 3 h 12 min ahead of the server (±500 ms)');
    expect(estimateClockOffset(undefined, new Date(), new Date())).to.equal(undefined);
    expect(estimateClockOffset('yesterday-ish', new Date(), new Date())).to.equal(undefined);
  });
});
