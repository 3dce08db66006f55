import type { ScenarioRun } from './types.js';

/** Share of the machine's CPU that others may take during a scenario before figures are suspect. */
const OTHERS_LIMIT = 0.25;

/**
 * The bench shares its machine with whoever else is on it; rather than pretend otherwise, say when
 * the figures were taken under someone else's load.
 */
export function loadWarnings(cores: number, loadBefore: readonly number[], runs: readonly ScenarioRun[]): string[] {
  const warnings: string[] = [];
  const oneMinute = loadBefore[0] ?? 0;
  if (oneMinute > cores / 2) {
    warnings.push(`load average was ${oneMinute.toFixed(2)} on ${cores} cores before the run: other work was running`);
  }
  for (const r of runs) {
    const c = r.cpuSeconds;
    if (c === undefined || c.wall <= 0) continue;
    const share = c.others / (c.wall * cores);
    if (share > OTHERS_LIMIT) {
      warnings.push(`scenario ${r.scenario} on ${r.path}: other processes used ${(share * 100).toFixed(0)}% of the machine meanwhile; rerun on a quiet machine`);
    }
  }
  return warnings;
}
