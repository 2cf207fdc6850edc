import type { Table } from '@google-cloud/bigquery';
import type { CanonicalValue, Row } from '../../core/values.js';
import type { LoadColumn } from './bigquery-load.js';

/**
 * Writes rows as newline-delimited JSON for a load job. Integers and decimals are JSON strings,
 * so no digit goes through a double, and timestamps carry an explicit UTC offset.
 */
export function ndjsonRows(columns: LoadColumn[], rows: Row[]): string {
  const lines = rows.map((row) => {
    const record = columns.map((column) => [column.name, jsonValue(row[column.name] ?? null, column)]);
    return JSON.stringify(Object.fromEntries(record));
  });
  return lines.join('\n') + '\n';
}

function jsonValue(value: CanonicalValue, column: LoadColumn): CanonicalValue {
  if (value === null) return null;
  switch (column.type) {
    case 'boolean':
      return value === true || value === 'true';
    case 'float':
      // JSON has no NaN or Infinity, so they are written as the strings "NaN" and "Infinity".
      // NOTE: whether a BigQuery load job reads those strings into FLOAT64 is not tested.
      return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
    case 'timestamp':
      // Canonical `2024-03-01T12:34:56.123456Z` as `2024-03-01 12:34:56.123456+00:00`.
      return String(value).replace('T', ' ').replace(/Z$/, '+00:00');
    case 'json':
      // A JSON column takes the value itself; a string would load as a JSON string.
      return value;
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
 * NOTE: load jobs carry no run labels, because the client puts every setting it is given under
 * configuration.load, and BigQuery takes labels only on the job's configuration. Their ids start
 * with `sluice_load_` instead.
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
