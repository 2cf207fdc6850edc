/** Plain-text formatting shared by the suites' reports. */

/** Formats rows as a plain-text table with the first row as its header. */
export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_cell, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)));
  const format = (row: string[]) => row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ').trimEnd();
  const rule = widths.map((width) => '-'.repeat(width)).join('-|-');
  return [format(rows[0]!), rule, ...rows.slice(1).map(format)].join('\n');
}

/** Formats a row count as 1M, 250k or 999. */
export function count(rows: number): string {
  if (rows >= 1_000_000 && rows % 100_000 === 0) return `${rows / 1_000_000}M`;
  if (rows >= 1_000 && rows % 100 === 0) return `${rows / 1_000}k`;
  return String(rows);
}

export function seconds(value: number): string {
  return `${value.toFixed(value < 10 ? 2 : 1)} s`;
}

export function mb(value: number): string {
  return `${Math.round(value)} MB`;
}

export function perSecond(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
