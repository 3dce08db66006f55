import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOptions } from '../src/options.js';
import { computeRatios, ratioColumns } from '../src/report/ratios.js';
import type { ScenarioRun } from '../src/report/types.js';
import { SCENARIOS } from '../src/scenarios.js';

describe('options', () => {
  const ids = [1, 2, 3, 4, 5, 6, 7];
  const names = ['direct', 'openssh', 'openssh-tty', 'tunnel'];
  it('defaults to everything', () => {
    assert.deepEqual(parseOptions([], ids, names), { json: false, quick: false, devices: 5000, clusterDevices: 10000, scenarios: ids, paths: names, multiplexer: true });
  });
  it('takes repeated and comma-separated subsets in canonical order', () => {
    const o = parseOptions(['--scenario', '3,1', '--path', 'openssh', '--path', 'direct', '--quick', '--json'], ids, names);
    assert.deepEqual(o, { json: true, quick: true, devices: 5000, clusterDevices: 10000, scenarios: [1, 3], paths: ['direct', 'openssh'], multiplexer: false });
  });
  it('rejects unknown scenarios, paths and flags', () => {
    assert.throws(() => parseOptions(['--scenario', '9'], ids, names), /unknown scenario 9/);
    assert.throws(() => parseOptions(['--path', 'wireguard'], ids, names), /unknown path/);
    assert.throws(() => parseOptions(['--fast'], ids, names));
  });
});

describe('ratios', () => {
  it('compares every path with the floor and the product with each OpenSSH chain', () => {
    assert.deepEqual(ratioColumns(['direct', 'openssh', 'tunnel']).map((c) => `${c.path}/${c.baseline}`), [
      'openssh/direct',
      'tunnel/direct',
      'tunnel/openssh',
    ]);
  });
  it('judges the issue targets against OpenSSH only', () => {
    const runs: ScenarioRun[] = [
      { scenario: 1, path: 'direct', status: 'ok', metrics: { mibps: 2000 } },
      { scenario: 1, path: 'openssh', status: 'ok', metrics: { mibps: 400 } },
      { scenario: 1, path: 'tunnel', status: 'ok', metrics: { mibps: 300 } },
      { scenario: 3, path: 'openssh', status: 'ok', metrics: { p50: 100, p99: 200 } },
      { scenario: 3, path: 'tunnel', status: 'ok', metrics: { p50: 70, p99: 120 } },
    ];
    const ratios = computeRatios(runs, SCENARIOS, ['direct', 'openssh', 'tunnel']);
    const find = (s: number, m: string, p: string, b: string) =>
      ratios.find((r) => r.scenario === s && r.metric === m && r.path === p && r.baseline === b);
    assert.equal(find(1, 'mibps', 'tunnel', 'openssh')?.targetMet, false); // 0.75 < 1.5
    assert.equal(find(1, 'mibps', 'tunnel', 'direct')?.targetMet, undefined);
    assert.equal(find(3, 'p50', 'tunnel', 'openssh')?.targetMet, true);
    assert.equal(find(3, 'p50', 'tunnel', 'openssh')?.ratio, 0.7); // <= 0.8
    assert.equal(find(3, 'p99', 'tunnel', 'openssh')?.targetMet, true); // 0.6 <= 1.0
  });
});
