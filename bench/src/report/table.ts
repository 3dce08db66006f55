import { formatMachine } from '../machine.js';
import { BASELINES } from '../paths/index.js';
import type { Metric, Scenario } from '../scenarios.js';
import { renderTable } from './text-table.js';
import type { BenchReport, ScenarioRun } from './types.js';

const DASH = '-';

function formatValue(value: number, metric: Metric): string {
  if (metric.unit === 'MiB/s') return value.toFixed(0);
  return value < 100 ? value.toFixed(1) : value.toFixed(0);
}

interface RatioColumn {
  readonly path: string;
  readonly baseline: string;
}

/** p / direct for every other path, and p / openssh for every path that is not a baseline. */
function ratioColumns(paths: readonly string[]): RatioColumn[] {
  const { floor, bastion } = BASELINES;
  const columns: RatioColumn[] = [];
  if (paths.includes(floor)) {
    for (const path of paths) if (path !== floor) columns.push({ path, baseline: floor });
  }
  if (paths.includes(bastion)) {
    for (const path of paths) if (path !== floor && path !== bastion) columns.push({ path, baseline: bastion });
  }
  return columns;
}

function targetText(metric: Metric): string {
  if (metric.target === undefined) return '';
  return `${metric.target.op === '>=' ? '>=' : '<='} ${metric.target.ratio.toFixed(1)}x ${BASELINES.bastion}`;
}

function verdict(metric: Metric, ratio: number | undefined): string {
  if (metric.target === undefined || ratio === undefined) return '';
  const met = metric.target.op === '>=' ? ratio >= metric.target.ratio : ratio <= metric.target.ratio;
  return met ? ' (met)' : ' (MISSED)';
}

export function renderReport(report: BenchReport, scenarios: readonly Scenario[]): string {
  const paths = report.paths.map((p) => p.name);
  const runOf = (scenario: number, path: string): ScenarioRun | undefined =>
    report.runs.find((r) => r.scenario === scenario && r.path === path);
  const valueOf = (scenario: number, path: string, key: string): number | undefined => {
    const run = runOf(scenario, path);
    return run?.status === 'ok' ? run.metrics?.[key] : undefined;
  };
  const ratios = ratioColumns(paths);
  const headers = ['#', 'scenario', 'metric', ...paths, ...ratios.map((r) => `${r.path}/${r.baseline}`), 'target (tunnel)'];

  const rows: string[][] = [];
  for (const scenario of scenarios.filter((s) => s.run !== undefined)) {
    scenario.metrics.forEach((metric, i) => {
      const cells = paths.map((path) => {
        const run = runOf(scenario.id, path);
        if (run?.status === 'error') return 'error';
        const v = valueOf(scenario.id, path, metric.key);
        return v === undefined ? DASH : formatValue(v, metric);
      });
      let tunnelRatio: number | undefined;
      const ratioCells = ratios.map(({ path, baseline }) => {
        const a = valueOf(scenario.id, path, metric.key);
        const b = valueOf(scenario.id, baseline, metric.key);
        if (a === undefined || b === undefined || b === 0) return DASH;
        if (path === 'tunnel' && baseline === BASELINES.bastion) tunnelRatio = a / b;
        return `${(a / b).toFixed(2)}x`;
      });
      rows.push([
        i === 0 ? String(scenario.id) : '',
        i === 0 ? scenario.name : '',
        metric.label,
        ...cells,
        ...ratioCells,
        targetText(metric) + verdict(metric, tunnelRatio),
      ]);
    });
  }

  const out: string[] = [formatMachine(report.machine), `date: ${report.date}`];
  const s = report.sizes;
  out.push(
    `mode: ${report.quick ? 'quick' : 'full'} (bulk ${s.bulkBytes / 2 ** 20} MiB one stream, ${s.multiBytesTotal / 2 ** 20} MiB over ${s.multiStreams} streams, ` +
      `${s.pingPongRoundTrips} round trips of ${s.pingPongPayload} B, ${s.connections} connections)`,
    `targets: ${report.targets}`,
    '',
  );
  if (rows.length > 0) {
    out.push(renderTable(headers, rows, 3));
    out.push('ratios are path figure / baseline figure: above 1 is faster for MiB/s, slower for µs.');
  }

  out.push('', 'paths:');
  for (const p of report.paths) {
    const state = p.status === 'ran' ? p.description : `${p.status}: ${p.reason ?? ''}`;
    out.push(`  ${p.name.padEnd(8)} ${state}`);
    for (const note of p.notes) out.push(`  ${''.padEnd(8)} ${note}`);
  }

  const errors = report.runs.filter((r) => r.status === 'error');
  if (errors.length > 0) {
    out.push('', 'errors:');
    for (const e of errors) out.push(`  scenario ${e.scenario} on ${e.path}: ${e.reason ?? ''}`);
  }

  const cpuRows = report.runs
    .filter((r) => r.status === 'ok' && r.cpuSeconds !== undefined)
    .map((r) => [String(r.scenario), r.path, r.cpuSeconds!.path.toFixed(2), r.cpuSeconds!.generator.toFixed(2), r.cpuSeconds!.targets.toFixed(2), (r.details?.['seconds'] ?? NaN).toFixed(2)]);
  if (cpuRows.length > 0) {
    out.push('', 'CPU seconds used during each scenario (2 cores shared by everyone):');
    out.push(renderTable(['#', 'path', 'path procs', 'generator', 'targets', 'bulk wall s'], cpuRows.map((r) => r.map((c) => (c === 'NaN' ? DASH : c))), 2));
  }

  const notRun = scenarios.filter((x) => x.run === undefined);
  if (notRun.length > 0) {
    out.push('', 'not run:');
    for (const x of notRun) out.push(`  ${x.id} ${x.name}: ${x.needs ?? ''}`);
  }
  return out.join('\n');
}
