import { formatMachine } from '../machine.js';
import type { Metric, Scenario } from '../scenarios.js';
import { ratioColumns, type Ratio } from './ratios.js';
import { renderTable } from './text-table.js';
import type { BenchReport } from './types.js';

const DASH = '-';

function formatValue(value: number, metric: Metric): string {
  switch (metric.unit) {
    case 'MiB/s':
    case 'count':
    case 'ms/min':
      return value.toFixed(0);
    case '%':
      return value.toFixed(2);
    default:
      return value < 100 ? value.toFixed(1) : value.toFixed(0);
  }
}

/** The ratio target (judged in the ratio cells), or the absolute one with its verdict. */
function targetText(metric: Metric, report: BenchReport, scenario: number): string {
  if (metric.target !== undefined) return `${metric.target.op} ${metric.target.ratio.toFixed(1)}x`;
  const goal = metric.goal;
  if (goal === undefined) return '';
  const judged = report.goals.find((g) => g.scenario === scenario && g.metric === metric.key);
  const verdict = judged === undefined ? '' : judged.met ? ' met' : ' MISSED';
  return `${goal.op} ${goal.value} ${metric.unit === 'count' ? '' : metric.unit}`.trimEnd() + verdict;
}

function ratioText(r: Ratio | undefined): string {
  if (r === undefined) return DASH;
  const mark = r.targetMet === undefined ? '' : r.targetMet ? ' met' : ' MISSED';
  return `${r.ratio.toFixed(2)}x${mark}`;
}

function resultsTable(report: BenchReport, scenarios: readonly Scenario[]): string {
  const paths = report.paths.map((p) => p.name);
  const columns = ratioColumns(paths);
  const hasProduct = columns.some((c) => c.baseline !== 'direct') || report.goals.length > 0;
  const headers = ['#', 'scenario', 'metric', ...paths, ...columns.map((c) => `${c.path}/${c.baseline}`), ...(hasProduct ? ['target'] : [])];
  const rows: string[][] = [];
  for (const scenario of scenarios) {
    scenario.metrics.forEach((metric, i) => {
      const cells = paths.map((path) => {
        const run = report.runs.find((r) => r.scenario === scenario.id && r.path === path);
        if (run?.status === 'error') return 'error';
        const v = run?.status === 'ok' ? run.metrics?.[metric.key] : undefined;
        return v === undefined ? DASH : formatValue(v, metric);
      });
      const ratioCells = columns.map((c) =>
        ratioText(report.ratios.find((r) => r.scenario === scenario.id && r.metric === metric.key && r.path === c.path && r.baseline === c.baseline)),
      );
      rows.push([
        i === 0 ? String(scenario.id) : '',
        i === 0 ? scenario.name : '',
        metric.label,
        ...cells,
        ...ratioCells,
        ...(hasProduct ? [targetText(metric, report, scenario.id)] : []),
      ]);
    });
  }
  return renderTable(headers, rows, 3);
}

function cpuTable(report: BenchReport): string | undefined {
  const rows = report.runs
    .filter((r) => r.status === 'ok' && r.cpuSeconds !== undefined)
    .map((r) => {
      const c = r.cpuSeconds!;
      return [String(r.scenario), r.path, c.wall.toFixed(2), c.path.toFixed(2), c.relay.toFixed(2), c.generator.toFixed(2), c.targets.toFixed(2), c.others.toFixed(2)];
    });
  if (rows.length === 0) return undefined;
  return renderTable(['#', 'path', 'wall s', 'path procs', 'of which server', 'generator', 'targets', 'others'], rows, 2);
}

/** The human-readable report: the results table first, then what a reader needs to trust it. */
export function renderReport(report: BenchReport, scenarios: readonly Scenario[]): string {
  const s = report.sizes;
  const out: string[] = [
    formatMachine(report.machine),
    `date: ${report.date}; load average before/after: ${report.load.before.map((l) => l.toFixed(2)).join(' ')} / ${report.load.after.map((l) => l.toFixed(2)).join(' ')}`,
    `mode: ${report.quick ? 'quick' : 'full'} (bulk ${s.bulkBytes / 2 ** 20} MiB on one stream, ${s.multiBytesTotal / 2 ** 20} MiB over ${s.multiStreams} streams, ` +
      `${s.pingPongRoundTrips} round trips of ${s.pingPongPayload} B, ${s.connections} new connections, ${s.devices} devices (${s.clusterDevices} over a cluster), ` +
      `${s.idleSampleMs / 1000} s idle server sample, ${s.agentSampleMs / 1000} s agent sample)`,
    `targets: ${report.targets}`,
    '',
  ];
  out.push(resultsTable(report, scenarios));
  out.push('ratio = path figure / baseline figure: above 1 is faster for MiB/s, slower for µs.');
  if (scenarios.some((x) => x.runProduct !== undefined)) {
    out.push(`scenarios 5-7 measure the product's own processes (tunnel path only); 5 and 6 with ${report.devices} simulated devices.`);
  }

  out.push('', 'paths:');
  for (const p of report.paths) {
    out.push(`  ${p.name.padEnd(12)} ${p.status === 'ran' ? p.description : `${p.status}: ${p.reason ?? ''}`}`);
    for (const note of p.notes) out.push(`  ${''.padEnd(12)} ${note}`);
  }

  const notes = report.runs.flatMap((r) => r.notes ?? []);
  if (notes.length > 0) out.push('', 'notes:', ...notes.map((n) => `  ${n}`));

  const errors = report.runs.filter((r) => r.status === 'error');
  if (errors.length > 0) {
    out.push('', 'errors:');
    for (const e of errors) out.push(`  scenario ${e.scenario} on ${e.path}: ${e.reason ?? ''}`);
  }

  const cpu = cpuTable(report);
  if (cpu !== undefined) {
    out.push('', `CPU seconds during each scenario (${report.machine.cores} cores; "generator" includes the device simulator of 5 and 6; "others" is the rest of the machine, i.e. noise):`, cpu);
  }
  if (report.warnings.length > 0) out.push('', ...report.warnings.map((w) => `warning: ${w}`));

  return out.join('\n');
}
