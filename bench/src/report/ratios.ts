import { BASTIONS, CROSS_NODE, FLOOR } from '../paths/index.js';
import type { Scenario } from '../scenarios.js';
import type { ScenarioRun } from './types.js';

export interface Ratio {
  readonly scenario: number;
  readonly metric: string;
  readonly path: string;
  readonly baseline: string;
  /** path figure / baseline figure. */
  readonly ratio: number;
  /** Whether issue 16's target holds; only for a product path against an OpenSSH baseline. */
  readonly targetMet?: boolean;
}

export interface RatioColumn {
  readonly path: string;
  readonly baseline: string;
}

/** Every path against the floor; every path that is not a baseline against each OpenSSH chain. */
export function ratioColumns(paths: readonly string[]): RatioColumn[] {
  const columns: RatioColumn[] = [];
  if (paths.includes(FLOOR)) {
    for (const path of paths) if (path !== FLOOR) columns.push({ path, baseline: FLOOR });
  }
  for (const baseline of BASTIONS.filter((b) => paths.includes(b))) {
    for (const path of paths) {
      if (path !== FLOOR && !BASTIONS.includes(path)) columns.push({ path, baseline });
    }
  }
  if (paths.includes(CROSS_NODE.path) && paths.includes(CROSS_NODE.baseline)) columns.push(CROSS_NODE);
  return columns;
}

export function metricValue(runs: readonly ScenarioRun[], scenario: number, path: string, key: string): number | undefined {
  const run = runs.find((r) => r.scenario === scenario && r.path === path);
  return run?.status === 'ok' ? run.metrics?.[key] : undefined;
}

export function computeRatios(runs: readonly ScenarioRun[], scenarios: readonly Scenario[], paths: readonly string[]): Ratio[] {
  const ratios: Ratio[] = [];
  for (const scenario of scenarios) {
    for (const metric of scenario.metrics) {
      for (const { path, baseline } of ratioColumns(paths)) {
        const a = metricValue(runs, scenario.id, path, metric.key);
        const b = metricValue(runs, scenario.id, baseline, metric.key);
        if (a === undefined || b === undefined || b === 0) continue;
        const ratio = a / b;
        const target = BASTIONS.includes(baseline) ? metric.target : undefined;
        ratios.push({
          scenario: scenario.id,
          metric: metric.key,
          path,
          baseline,
          ratio,
          ...(target === undefined ? {} : { targetMet: target.op === '>=' ? ratio >= target.ratio : ratio <= target.ratio }),
        });
      }
    }
  }
  return ratios;
}
