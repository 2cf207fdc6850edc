import type { BigQuery, Job, Query } from '@google-cloud/bigquery';
import { WarehouseError, errorMessage } from '../../core/errors.js';
import type { ColumnInfo, LogicalType, Row } from '../../core/values.js';
import type { WarehouseAdapter } from '../adapter.js';
import type { WarehouseCapabilities } from '../capabilities.js';
import type { TableRef } from '../table-ref.js';
import { bigqueryDialect } from './bigquery-dialect.js';
import { jobLabels } from './bigquery-labels.js';
import { insertStatements } from './bigquery-load.js';
import { appendWithLoadJob, ndjsonRows } from './bigquery-load-job.js';
import { readPages } from './bigquery-pages.js';
import { columnInfoOf, type SchemaField } from './bigquery-values.js';

export interface BigQueryAdapterOptions {
  client: BigQuery;
  /** Dataset that unqualified table names resolve to: the models' dataset. */
  defaultDataset: string;
  location?: string;
  maximumBytesBilled?: number;
  jobTimeoutMs: number;
}

/**
 * Rows up to this count are loaded with INSERT statements: one query job and no upload, which
 * suits the few keys a destination rejects. More rows go in one load job, BigQuery's bulk path,
 * whose rows (unlike streamed ones) can be updated and deleted at once.
 * NOTE: BigQuery allows 1,500 load jobs per table per day, so a sync that rejects more than
 * this many rows at every run of a one-minute schedule would come close.
 */
const MAX_INSERT_ROWS = 100;

/** How long one jobs.getQueryResults call waits for a running job before it is called again. */
const POLL_TIMEOUT_MS = 10_000;

const DML = /^\s*(?:\/\*[^]*?\*\/\s*)*(?:INSERT|UPDATE|DELETE|MERGE|TRUNCATE)\b/i;

/**
 * BigQuery through @google-cloud/bigquery. Every statement is a query job carrying the run id
 * in its labels and a comment. Results are read page by page through jobs.getQueryResults and
 * checked against the job's row count.
 */
export class BigQueryAdapter implements WarehouseAdapter {
  static readonly capabilities: WarehouseCapabilities = {
    supportsTransactions: true,
    // Transactions admit no CREATE OR REPLACE of permanent tables, so the identity outputs are
    // created first and filled with DML inside one transaction (see identity/publish-outputs.ts).
    supportsTransactionalDdl: false,
    readsLocalFiles: false,
    supportsMerge: true,
    supportsConcurrentQueries: true,
  };

  readonly dialect = bigqueryDialect;
  readonly capabilities = BigQueryAdapter.capabilities;

  readonly #client: BigQuery;
  readonly #options: BigQueryAdapterOptions;
  #tag: string | undefined;

  constructor(options: BigQueryAdapterOptions) {
    this.#client = options.client;
    this.#options = options;
  }

  setTag(tag: string | undefined): void {
    this.#tag = tag;
  }

  async execute(sql: string): Promise<void> {
    for await (const _page of this.stream(sql, 10_000)) {
      // A statement's result, if any, is discarded; reading it waits for the job to finish.
    }
  }

  async query(sql: string): Promise<Row[]> {
    const rows: Row[] = [];
    for await (const page of this.stream(sql, 10_000)) rows.push(...page);
    return rows;
  }

  async *stream(sql: string, pageSize: number): AsyncIterable<Row[]> {
    const job = await this.#createJob(sql);
    try {
      yield* readPages(job, pageSize, POLL_TIMEOUT_MS);
    } catch (error) {
      throw error instanceof WarehouseError ? error : this.#error(sql, error);
    }
  }

  async describe(sql: string): Promise<ColumnInfo[]> {
    const job = await this.#createJob(sql, { dryRun: true });
    const fields = (job.metadata?.statistics?.query?.schema?.fields ?? []) as SchemaField[];
    return fields.map(columnInfoOf);
  }

  async loadRows(
    table: TableRef,
    columns: { name: string; type: LogicalType }[],
    rows: Row[],
    options: { append?: boolean } = {},
  ): Promise<void> {
    if (!options.append) {
      // An unqualified table goes to the default dataset, which may not exist yet.
      await this.ensureSchema(table.schema ?? this.#options.defaultDataset);
      const definitions = columns.map(
        (column) => `${this.dialect.quoteIdentifier(column.name)} ${this.dialect.typeName(column.type)}`,
      );
      await this.execute(`CREATE OR REPLACE TABLE ${this.dialect.quoteTable(table)} (${definitions.join(', ')})`);
    }
    if (rows.length <= MAX_INSERT_ROWS) {
      for (const statement of insertStatements(this.dialect, table, columns, rows)) await this.execute(statement);
      return;
    }
    const dataset = table.schema ?? this.#options.defaultDataset;
    try {
      await appendWithLoadJob(this.#client.dataset(dataset).table(table.name), ndjsonRows(columns, rows));
    } catch (error) {
      throw new WarehouseError(`BigQuery: failed to load ${rows.length} rows into ${dataset}.${table.name}: ${errorMessage(error)}`, { cause: error });
    }
  }

  /**
   * Runs DML statements as one script in a multi-statement transaction. BigQuery rolls the
   * transaction back when a statement fails, and the script's job then fails.
   */
  async atomically(statements: string[]): Promise<void> {
    if (statements.every((statement) => DML.test(statement))) {
      await this.execute(['BEGIN TRANSACTION', ...statements, 'COMMIT TRANSACTION'].join(';\n') + ';');
      return;
    }
    // NOTE: BigQuery transactions admit no DDL on permanent tables, and the engine sends DDL here
    // only on warehouses with supportsTransactionalDdl. A set with DDL still runs statement by
    // statement, each CREATE OR REPLACE atomic on its own, rather than failing.
    for (const statement of statements) await this.execute(statement);
  }

  async tableExists(table: TableRef): Promise<boolean> {
    const dataset = table.schema ?? this.#options.defaultDataset;
    try {
      const [exists] = await this.#client.dataset(dataset).table(table.name).exists();
      return exists;
    } catch (error) {
      throw new WarehouseError(`BigQuery: failed to check table ${dataset}.${table.name}: ${errorMessage(error)}`, { cause: error });
    }
  }

  async ensureSchema(schema: string): Promise<void> {
    const dataset = this.#client.dataset(schema, { location: this.#options.location });
    try {
      const [exists] = await dataset.exists();
      if (!exists) await dataset.create({ location: this.#options.location });
    } catch (error) {
      // Another process may have created the dataset between the check and the create.
      if ((error as { code?: number }).code === 409) return;
      throw new WarehouseError(
        `BigQuery: failed to create dataset ${schema}: ${errorMessage(error)}. Check warehouse.project, the ` +
          'credentials and api_endpoint, and that Sluice may create datasets, or create the dataset beforehand.',
        { cause: error },
      );
    }
  }

  async close(): Promise<void> {
    // The client opens no connection of its own, and idle HTTP sockets close by themselves.
  }

  async #createJob(sql: string, extra: Partial<Query> = {}): Promise<Job> {
    const query: Query = {
      query: this.#tag ? this.dialect.statementTag(this.#tag) + sql : sql,
      useLegacySql: false,
      defaultDataset: { datasetId: this.#options.defaultDataset },
      jobTimeoutMs: this.#options.jobTimeoutMs,
      labels: jobLabels(this.#tag),
      ...extra,
    };
    if (this.#options.location) query.location = this.#options.location;
    if (this.#options.maximumBytesBilled) query.maximumBytesBilled = String(this.#options.maximumBytesBilled);
    try {
      const [job] = await this.#client.createQueryJob(query);
      return job;
    } catch (error) {
      throw this.#error(sql, error);
    }
  }

  #error(sql: string, error: unknown): WarehouseError {
    const firstLine = sql.trim().split('\n')[0]?.slice(0, 120) ?? '';
    return new WarehouseError(`BigQuery: ${errorMessage(error)}\n  in statement: ${firstLine}`, { cause: error });
  }
}
