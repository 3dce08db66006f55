/** One column of a terminal table: its header and how a row shows in it. */
export type Column<T> = readonly [header: string, cell: (row: T) => string];

/** Fixed-width text table for terminals. */
export function formatTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map(([, cell]) => cell(row)));
  const headers = columns.map(([header]) => header);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const line = (texts: string[]): string => texts.map((t, i) => t.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

/**
 * What every admin `list` prints: the rows as JSON for scripts (`--json`), otherwise a table for
 * people. Both come from the same views so that neither can show something the other hides.
 */
export function printListing<T>(rows: readonly T[], json: boolean | undefined, columns: readonly Column<T>[]): void {
  process.stdout.write(json ? JSON.stringify(rows, null, 2) + '\n' : formatTable(rows, columns));
}
