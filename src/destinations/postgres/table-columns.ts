import type pg from 'pg';
import { DestinationError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { CanonicalValue } from '../../core/values.js';
import { inferColumnType } from './column-types.js';
import type { KeySpec, PreparedRow } from './prepared-row.js';
import {
  describePostgresError,
  isRetryableConnectionError,
  isStatementError,
} from './postgres-errors.js';
import {
  type ColumnSpec,
  type TableName,
  TABLE_COLUMNS_QUERY,
  UNIQUE_KEYS_QUERY,
  addColumnStatement,
  createTableStatement,
  qualifiedName,
  quoteIdentifier,
} from './sql.js';

export interface TableColumnsOptions {
  table: TableName;
  key: KeySpec;
  /** Create the table and add missing columns; otherwise a missing one is an error. */
  createTable: boolean;
  logger: Logger;
}

/**
 * The columns of the target table and their types, read from the catalog once and kept. Creates
 * the table, or adds columns for fields it has not seen, from the canonical values of the batch
 * that first needs them. Checks once that the key columns have a unique index.
 */
export class TableColumns {
  readonly #pool: pg.Pool;
  readonly #options: TableColumnsOptions;
  #types: Map<string, string> | undefined;
  #keyChecked = false;
  #lock: Promise<unknown> = Promise.resolve();

  constructor(pool: pg.Pool, options: TableColumnsOptions) {
    this.#pool = pool;
    this.#options = options;
  }

  /** Makes sure every column the rows write exists; returns column types by name. */
  async ensure(rows: PreparedRow[]): Promise<ReadonlyMap<string, string>> {
    const types = this.#types;
    if (types && this.#keyChecked && rows.every((row) => row.columns.every((c) => types.has(c)))) {
      return types;
    }

    // Batches may arrive at once; one of them changes the table while the others wait.
    const result = this.#lock.then(() => this.#ensureLocked(rows));
    this.#lock = result.catch(() => undefined);
    return result;
  }

  async #ensureLocked(rows: PreparedRow[]): Promise<ReadonlyMap<string, string>> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.#pool.connect();
      this.#types ??= await this.#readColumns(client);
      if (this.#types.size === 0) {
        await this.#createTable(client, rows);
      } else {
        await this.#addMissingColumns(client, rows);
        await this.#checkUniqueKey(client);
      }
      this.#keyChecked = true;
      return this.#types;
    } catch (error) {
      if (error instanceof DestinationError) throw error;
      const table = qualifiedName(this.#options.table);
      const message = `Could not prepare table ${table}: ${describePostgresError(error)}`;
      const retryable = !isStatementError(error) && isRetryableConnectionError(error);
      throw new DestinationError(message, { retryable, cause: error });
    } finally {
      client?.release();
    }
  }

  async #readColumns(client: pg.PoolClient): Promise<Map<string, string>> {
    const { schema, table } = this.#options.table;
    const result = await client.query<{ name: string; type: string }>(TABLE_COLUMNS_QUERY, [
      schema,
      table,
    ]);
    return new Map(result.rows.map((row) => [row.name, row.type]));
  }

  async #createTable(client: pg.PoolClient, rows: PreparedRow[]): Promise<void> {
    const name = qualifiedName(this.#options.table);
    if (!this.#options.createTable) {
      throw new DestinationError(
        `Table ${name} does not exist; create it, or set create_table: true in the sync's ` +
          'destination_options',
        { retryable: false },
      );
    }

    const { key } = this.#options;
    const others = columnNames(rows).filter((column) => !key.columns.includes(column));
    const columns = [...key.columns, ...others].map((column) => this.#newColumn(column, rows));
    await client.query(createTableStatement(this.#options.table, columns, key.columns.length));
    this.#options.logger.log('info', 'destination.table_created', {
      destination: 'postgres',
      table: name,
      columns: columns.length,
    });
    this.#types = await this.#readColumns(client);
  }

  async #addMissingColumns(client: pg.PoolClient, rows: PreparedRow[]): Promise<void> {
    const types = this.#types ?? new Map<string, string>();
    const missing = columnNames(rows).filter((column) => !types.has(column));
    if (missing.length === 0) return;

    const name = qualifiedName(this.#options.table);
    if (!this.#options.createTable) {
      throw new DestinationError(
        `Table ${name} has no column ${missing.map(quoteIdentifier).join(', ')}; ` +
          "add the columns, or set create_table: true in the sync's destination_options",
        { retryable: false },
      );
    }

    for (const column of missing) {
      await client.query(addColumnStatement(this.#options.table, this.#newColumn(column, rows)));
    }
    this.#options.logger.log('info', 'destination.columns_added', {
      destination: 'postgres',
      table: name,
      columns: missing,
    });
    this.#types = await this.#readColumns(client);
  }

  async #checkUniqueKey(client: pg.PoolClient): Promise<void> {
    if (this.#keyChecked) return;

    const { schema, table } = this.#options.table;
    const result = await client.query<{ columns: string[] }>(UNIQUE_KEYS_QUERY, [schema, table]);
    const wanted = [...this.#options.key.columns].sort();
    const found = result.rows.some((row) => sameItems([...row.columns].sort(), wanted));
    if (found) return;

    const name = qualifiedName(this.#options.table);
    const list = wanted.map(quoteIdentifier).join(', ');
    throw new DestinationError(
      `Table ${name} has no primary key or unique index on exactly (${list}), which upserts by ` +
        `key need; add one, for example ALTER TABLE ${name} ADD PRIMARY KEY (${list})`,
      { retryable: false },
    );
  }

  #newColumn(name: string, rows: PreparedRow[]): ColumnSpec {
    if (this.#options.key.fromRecordKey && this.#options.key.columns.includes(name)) {
      return { name, type: 'text' };
    }
    return { name, type: inferColumnType(columnValues(rows, name)) };
  }
}

function columnNames(rows: PreparedRow[]): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const column of row.columns) names.add(column);
  return [...names];
}

function* columnValues(rows: PreparedRow[], name: string): Iterable<CanonicalValue> {
  for (const row of rows) {
    const position = row.columns.indexOf(name);
    if (position >= 0) yield row.values[position] ?? null;
  }
}

function sameItems(left: string[], right: string[]): boolean {
  return left.length === right.length && left.every((item, index) => item === right[index]);
}
