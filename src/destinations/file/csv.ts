import type { CanonicalValue } from '../../core/values.js';

/** RFC 4180 record separator. */
export const CSV_LINE_END = '\r\n';

/**
 * Encodes one CSV field (RFC 4180). NULL is an empty unquoted field and the empty string is
 * `""`, which readers such as Postgres COPY tell apart. Objects and arrays are JSON text. A field
 * is quoted when it contains a comma, a quote, CR or LF, with quotes doubled inside.
 */
export function csvField(value: CanonicalValue | undefined): string {
  if (value === null || value === undefined) return '';
  if (value === '') return '""';

  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(values: (CanonicalValue | undefined)[]): string {
  return values.map(csvField).join(',') + CSV_LINE_END;
}
