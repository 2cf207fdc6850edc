import type { Table } from '@google-cloud/bigquery';
import type { CanonicalValue, Row } from '../../core/values.js';
import type { LoadColumn } from './bigquery-load.js';

/**
 * Writes rows as newline-delimited JSON for a load job, with exact values: integers and decimals
 * as JSON strings, which BigQuery parses into INT64 and NUMERIC without a detour through a
 * double, and timestamps with an explicit UTC offset.
 */
export function ndjsonRows(columns: LoadColumn[], rows: Row[]): string {
  return rows.map((row) => JSON.stringify(Object.fromEntries(columns.map((column) => [column.name, jsonValue(row[column.name] ?? null, column)])))).join('\n') + '\n';
}

function jsonValue(value: CanonicalValue, column: LoadColumn): CanonicalValue {
  if (value === null) return null;
  switch (column.type) {
    case 'boolean':
      return value === true || value === 'true';
    case 'float':
      // JSON has no NaN or Infinity; BigQuery reads these strings as the FLOAT64 values.
      return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
    case 'timestamp':
      // Canonical `2024-03-01T12:34:56.123456Z` as `2024-03-01 12:34:56.123456+00:00`.
      return String(value).replace('T', ' ').replace(/Z$/, '+00:00');
    case 'json':
      return JSON.stringify(value);
    case 'string':
    case 'other':
      return typeof value === 'object' ? JSON.stringify(value) : String(value);
    default:
      return String(value);
  }
}

/**
 * Appends newline-delimited JSON to a table with one load job, uploaded through the client's
 * upload endpoint, and waits for the job to finish. The table must exist: no schema is sent, so
 * a row that does not fit the table fails the job rather than changing the table.
 * NOTE: the client puts load settings under configuration.load, where BigQuery has no labels,
 * so load jobs carry no run labels; their ids start with `sluice_load_` instead.
 */
export async function appendWithLoadJob(table: Table, ndjson: string): Promise<void> {
  const upload = table.createWriteStream({
    sourceFormat: 'NEWLINE_DELIMITED_JSON',
    writeDisposition: 'WRITE_APPEND',
    createDisposition: 'CREATE_NEVER',
    jobPrefix: 'sluice_load_',
  });
  await new Promise<void>((resolve, reject) => {
    upload.once('complete', () => resolve());
    upload.once('error', reject);
    upload.end(ndjson);
  });
}
