import type { CheckResult } from './check.js';

const NAME_WIDTH = 11;

/** `FAIL  validity    <detail>; remedy: <remedy>`: one line per check, greppable by status and name. */
export function formatCheckLine(result: CheckResult): string {
  const code = result.code && (result.status === 'FAIL' || result.status === 'WARN') ? ` [${result.code}]` : '';
  const remedy = result.remedy ? `; remedy: ${result.remedy}` : '';
  return `${result.status.padEnd(4)}  ${result.name.padEnd(NAME_WIDTH)} ${result.detail}${code}${remedy}`;
}

/** The closing line: what failed, or that all is well. */
export function formatSummary(results: readonly CheckResult[]): string {
  const failed = results.filter((r) => r.status === 'FAIL').map((r) => r.name);
  const warned = results.filter((r) => r.status === 'WARN').map((r) => r.name);
  if (failed.length > 0) return `${failed.length} check${failed.length === 1 ? '' : 's'} failed: ${failed.join(', ')}`;
  if (warned.length > 0) return `all checks passed, with warnings: ${warned.join(', ')}`;
  return 'all checks passed';
}
