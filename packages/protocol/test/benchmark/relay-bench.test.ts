import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const RELAY_BENCH = fileURLToPath(new URL('../../benchmark/relay-bench.js', import.meta.url));

interface RelayBenchReport {
  roundTrips: number;
  results: { link: string; p50: number; p99: number }[];
}

describe('npm run bench:relay', function () {
  this.timeout(120_000);

  it('carries round trips through four processes over every link kind (TLS checked against its CA)', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [RELAY_BENCH, '--round-trips', '50', '--json']);
    const report = JSON.parse(stdout) as RelayBenchReport;
    expect(report.roundTrips).to.equal(50);
    expect(report.results.map((r) => r.link)).to.deep.equal(['tcp', 'tls', 'websocket', 'yamux']);
    for (const r of report.results) {
      expect(r.p50, r.link).to.be.greaterThan(0);
      expect(r.p99, r.link).to.be.at.least(r.p50);
    }
  });

  it('refuses a round-trip count it cannot measure', async () => {
    const run = promisify(execFile)(process.execPath, [RELAY_BENCH, '--round-trips', '3']);
    const err = (await run.then(() => null, (e: unknown) => e)) as { code?: number; stderr?: string } | null;
    expect(err?.code).to.equal(1);
    expect(err?.stderr).to.contain('--round-trips takes a whole number of at least 10');
  });
});
