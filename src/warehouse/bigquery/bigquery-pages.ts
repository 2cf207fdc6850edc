import type { Job, QueryResultsOptions } from '@google-cloud/bigquery';
import { WarehouseError } from '../../core/errors.js';
import type { Row } from '../../core/values.js';
import { toCanonical, wireCell, type SchemaField } from './bigquery-values.js';

/** The fields of a jobs.getQueryResults response that paging reads. */
interface QueryResultsResponse {
  jobComplete?: boolean;
  totalRows?: string;
  pageToken?: string;
  schema?: { fields?: SchemaField[] };
}

/**
 * Reads a finished or running query job's result page by page, in canonical form. The rows read
 * are counted against the job's `totalRows`. A result that ends early, such as a page lost on
 * the way or a page token that stops too soon, raises an error. Passing it on as a smaller
 * result would make each missing row read as a row to remove.
 */
export async function* readPages(job: Job, pageSize: number, timeoutMs: number): AsyncGenerator<Row[]> {
  let pageToken: string | undefined;
  let totalRows: number | undefined;
  let rowsRead = 0;

  for (;;) {
    // skipParsing returns rows in the wire form, which is exact (see toCanonical).
    const options: QueryResultsOptions = { maxResults: pageSize, autoPaginate: false, skipParsing: true, timeoutMs };
    if (pageToken !== undefined) options.pageToken = pageToken;
    const [rows, , response] = (await job.getQueryResults(options)) as unknown as [
      WireRow[],
      unknown,
      QueryResultsResponse | undefined,
    ];
    // The job is still running: getQueryResults waited timeoutMs and returned no rows.
    if (response?.jobComplete === false) continue;

    totalRows ??= response?.totalRows === undefined ? undefined : Number(response.totalRows);
    const fields = response?.schema?.fields ?? [];
    if (rows.length > 0) {
      rowsRead += rows.length;
      yield rows.map((row) => toRow(row, fields));
    }
    pageToken = response?.pageToken;
    if (!pageToken) break;
  }

  if (totalRows !== undefined && rowsRead !== totalRows) {
    throw new WarehouseError(
      `BigQuery job ${job.id} reported ${totalRows} result rows, but ${rowsRead} were read. ` +
        'The result is incomplete, so nothing was computed from it. Run again; if it repeats, ' +
        'check for a proxy between Sluice and BigQuery that truncates responses.',
    );
  }
}

/** A row as jobs.getQueryResults sends it: one cell per schema field, in order. */
interface WireRow {
  f: unknown[];
}

function toRow(values: WireRow, fields: SchemaField[]): Row {
  const row: Row = {};
  fields.forEach((field, index) => {
    row[String(field.name)] = toCanonical(wireCell(values.f[index]), field);
  });
  return row;
}
