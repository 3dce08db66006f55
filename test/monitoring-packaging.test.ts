import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { addUser, apiGet } from './support/developer.js';
import { startServer } from './support/fixtures.js';
import { cleanup } from './support/processes.js';
import { runProgram } from './support/programs.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RULES = path.join(root, 'packaging/prometheus/tunnel-alerts.yml');
const DASHBOARD = path.join(root, 'packaging/grafana/tunnel-server.json');

/** Series names a PromQL text uses from the server's own families. */
function seriesNames(promql: string): string[] {
  return [...promql.matchAll(/\b((?:tunnel|process|nodejs)_[a-z0-9_]+)/g)].map((m) => m[1]!);
}

describe('monitoring shipped under packaging/', function () {
  this.timeout(120_000);
  after(cleanup);

  it('the alert rules pass promtool check rules', async function () {
    const r = await runProgram('promtool', ['check', 'rules', RULES]);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain('SUCCESS');
  });

  it('every series the dashboard and the rules query is one the server exposes', async () => {
    const server = await startServer();
    const admin = await addUser(server, 'ops', 'admin');
    const text = (await apiGet(server, '/metrics', admin.token)).text;
    const exposed = new Set<string>();
    for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      const [name, type] = [m[1]!, m[2]!];
      exposed.add(name);
      if (type === 'histogram') for (const suffix of ['_bucket', '_count', '_sum']) exposed.add(name + suffix);
    }
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as { panels: Array<{ title: string; targets: Array<{ expr: string }> }> };
    const queries = [...dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr)), ...[...readFileSync(RULES, 'utf8').matchAll(/expr: (.*(?:\n {10,}.*)*)/g)].map((m) => m[1]!)];
    expect(queries.length).to.be.greaterThan(10);
    const used = new Set(queries.flatMap(seriesNames));
    expect([...used].filter((n) => !exposed.has(n))).to.deep.equal([]);
  });
});
