import type { Scenario } from '../scenarios.js';
import type { ScenarioRun } from './types.js';

/** One absolute target of issue 7 (scenarios 5-7) against the figure measured. */
export interface GoalResult {
  readonly scenario: number;
  readonly metric: string;
  readonly path: string;
  readonly value: number;
  readonly op: '<=' | '<';
  readonly goal: number;
  readonly met: boolean;
}

export function computeGoals(runs: readonly ScenarioRun[], scenarios: readonly Scenario[]): GoalResult[] {
  const results: GoalResult[] = [];
  for (const scenario of scenarios) {
    for (const metric of scenario.metrics) {
      const goal = metric.goal;
      if (goal === undefined) continue;
      for (const run of runs) {
        const value = run.scenario === scenario.id && run.status === 'ok' ? run.metrics?.[metric.key] : undefined;
        if (value === undefined) continue;
        const met = goal.op === '<=' ? value <= goal.value : value < goal.value;
        results.push({ scenario: scenario.id, metric: metric.key, path: run.path, value, op: goal.op, goal: goal.value, met });
      }
    }
  }
  return results;
}
