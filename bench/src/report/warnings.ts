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
  const busy: { run: ScenarioRun; share: number }[] = [];
  for (const run of runs) {
    const c = run.cpuSeconds;
    if (c === undefined || c.wall <= 0) continue;
    const share = c.others / (c.wall * cores);
    if (share > OTHERS_LIMIT) busy.push({ run, share });
  }
  if (busy.length > 0) {
    const pct = busy.map((b) => Math.round(b.share * 100));
    const measured = runs.filter((r) => r.cpuSeconds !== undefined).length;
    const which = busy.length <= 3 ? ` (${busy.map((b) => `${b.run.scenario} on ${b.run.path}`).join(', ')})` : '';
    warnings.push(
      `other processes used ${Math.min(...pct)}-${Math.max(...pct)}% of the machine during ${busy.length} of ${measured} scenarios${which}; rerun on a quiet machine`,
    );
  }
  return warnings;
}
