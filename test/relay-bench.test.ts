import { expect } from 'chai';
import { cleanup, RELAY_BENCH, run } from './support/processes.js';

interface RelayBenchReport {
  roundTrips: number;
  results: { link: string; p50: number; p99: number }[];
}

describe('npm run bench:relay', function () {
  this.timeout(120_000);
  after(cleanup);

  it('carries round trips through four processes over every link kind (TLS checked against its CA)', async () => {
    const { code, stdout, stderr } = await run(RELAY_BENCH, ['--round-trips', '50', '--json'], { timeoutMs: 110_000 });
    expect(code, stderr).to.equal(0);
    const report = JSON.parse(stdout) as RelayBenchReport;
    expect(report.roundTrips).to.equal(50);
    expect(report.results.map((r) => r.link)).to.deep.equal(['tcp', 'tls', 'websocket', 'yamux', 'yamux-piped', 'secure']);
    for (const r of report.results) {
      expect(r.p50, r.link).to.be.greaterThan(0);
      expect(r.p99, r.link).to.be.at.least(r.p50);
    }
  });

  it('refuses a round-trip count it cannot measure', async () => {
    const { code, stderr } = await run(RELAY_BENCH, ['--round-trips', '3']);
    expect(code).to.equal(1);
    expect(stderr).to.contain('--round-trips takes a whole number of at least 10');
  });
});
