/**
 * Writes change records into one Postgres table. Upserts use INSERT ... ON CONFLICT (key) DO
 * UPDATE, inserts skip existing keys, updates change existing rows only, and deletes and
 * removes delete by key. Each call runs in one transaction. When a statement for a group of
 * rows fails, its rows are written again one at a time, each inside a savepoint, so only the
 * rows Postgres refuses are rejected, each with the server's message.
 */
import pg from 'pg';
import { DestinationError } from '../../core/errors.js';
import type {
  ChangeRecord,
  Destination,
  DestinationCapabilities,
  DestinationContext,
  RowOutcome,
} from '../destination.js';
import type { PostgresAccount, PostgresSyncOptions } from './postgres-config.js';
import {
  describePostgresError,
  isRetryableConnectionError,
  isStatementError,
  isTransientStatementError,
} from './postgres-errors.js';
import {
  type KeySpec,
  type PreparedRow,
  type StatementKind,
  groupRows,
  keySpec,
  prepareRow,
} from './prepared-row.js';
import {
  type ColumnSpec,
  type TableName,
  deleteStatement,
  insertStatement,
  qualifiedName,
  updateStatement,
  upsertStatement,
} from './sql.js';
import { TableColumns } from './table-columns.js';

/** Connections per sync, and so the calls the engine may make at once. */
const POOL_SIZE = 4;

export class PostgresDestination implements Destination {
  readonly capabilities: DestinationCapabilities = {
    operations: ['upsert', 'update', 'insert', 'delete', 'add', 'remove', 'send'],
    // The whole batch is one JSON parameter, so the size is bounded by memory, not by
    // Postgres's 65535 parameters per statement.
    maxBatchSize: 1_000,
    maxConcurrency: POOL_SIZE,
    idempotent: true,
  };

  readonly #pool: pg.Pool;
  readonly #table: TableName;
  readonly #key: KeySpec;
  readonly #columns: TableColumns;

  constructor(account: PostgresAccount, options: PostgresSyncOptions, context: DestinationContext) {
    this.#table = { schema: account.schema, table: options.table };
    this.#key = keySpec(options.key_columns);
    this.#pool = new pg.Pool({
      connectionString: account.url,
      max: POOL_SIZE,
      application_name: 'sluice',
    });
    // An idle connection that breaks emits here; without a listener it would end the process.
    this.#pool.on('error', (error) => {
      context.logger.log('warn', 'destination.connection_error', {
        destination: 'postgres',
        sync: context.syncName,
        error: describePostgresError(error),
      });
    });
    this.#columns = new TableColumns(this.#pool, {
      table: this.#table,
      key: this.#key,
      createTable: options.create_table,
      logger: context.logger,
    });
  }

  async write(records: ChangeRecord[]): Promise<RowOutcome[]> {
    const outcomes: RowOutcome[] = new Array<RowOutcome>(records.length);
    const rows: PreparedRow[] = [];
    records.forEach((record, index) => {
      const preparation = prepareRow(record, index, this.#key);
      if ('row' in preparation) rows.push(preparation.row);
      else outcomes[index] = { status: 'rejected', reason: preparation.rejection };
    });
    if (rows.length === 0) return outcomes;

    const types = await this.#columns.ensure(rows);
    await this.#inTransaction(async (client) => {
      for (const group of groupRows(rows)) {
        await this.#writeGroup(client, group, types, outcomes);
      }
    });
    return outcomes;
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  async #inTransaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    let client: pg.PoolClient;
    try {
      client = await this.#pool.connect();
    } catch (error) {
      throw this.#callFailure('could not connect', error);
    }

    let broken = false;
    try {
      await client.query('BEGIN');
      await work(client);
      // NOTE: a deferred constraint fails here, at COMMIT, and so fails the whole batch. Rows
      // are retried one by one only for errors that the statements themselves raise.
      await client.query('COMMIT');
    } catch (error) {
      broken = !isStatementError(error);
      if (!broken) {
        await client.query('ROLLBACK').catch(() => {
          broken = true;
        });
      }
      throw this.#callFailure('write failed', error);
    } finally {
      client.release(broken);
    }
  }

  /** Writes a group with one statement, or row by row when that statement fails. */
  async #writeGroup(
    client: pg.PoolClient,
    group: PreparedRow[],
    types: ReadonlyMap<string, string>,
    outcomes: RowOutcome[],
  ): Promise<void> {
    const first = group[0];
    if (!first) return;
    const columns = first.columns.map(
      (name): ColumnSpec => ({ name, type: columnType(types, name) }),
    );
    const sql = this.#statement(first.kind, columns);

    try {
      const matched = await runInSavepoint(client, sql, group);
      recordOutcomes(group, first.kind, matched, outcomes, this.#table);
      return;
    } catch (error) {
      if (!isStatementError(error)) throw error;
    }

    for (const row of group) {
      try {
        const matched = await runInSavepoint(client, sql, [row]);
        recordOutcomes([row], first.kind, matched, outcomes, this.#table);
      } catch (error) {
        if (!isStatementError(error)) throw error;
        const reason = describePostgresError(error);
        outcomes[row.index] = isTransientStatementError(error)
          ? { status: 'retry', reason }
          : { status: 'rejected', reason };
      }
    }
  }

  #statement(kind: StatementKind, columns: ColumnSpec[]): string {
    const keyCount = this.#key.columns.length;
    switch (kind) {
      case 'upsert':
        return upsertStatement(this.#table, columns, keyCount);
      case 'insert':
        return insertStatement(this.#table, columns, keyCount);
      case 'update':
        return updateStatement(this.#table, columns, keyCount);
      case 'delete':
        return deleteStatement(this.#table, columns);
    }
  }

  #callFailure(what: string, error: unknown): DestinationError {
    if (error instanceof DestinationError) return error;
    const table = qualifiedName(this.#table);
    const message = `Postgres ${what} for table ${table}: ${describePostgresError(error)}`;
    const retryable = isRetryableConnectionError(error);
    return new DestinationError(message, { retryable, cause: error });
  }
}

/**
 * Runs a statement for some rows inside a savepoint, so that a failure undoes only these rows
 * and the transaction can go on. Returns the batch positions (1-based) the statement returned.
 */
async function runInSavepoint(
  client: pg.PoolClient,
  sql: string,
  rows: PreparedRow[],
): Promise<Set<number>> {
  await client.query('SAVEPOINT sluice_rows');
  try {
    const batch = JSON.stringify(rows.map((row) => row.values));
    const result = await client.query<{ o: string }>(sql, [batch]);
    await client.query('RELEASE SAVEPOINT sluice_rows');
    return new Set(result.rows.map((row) => Number(row.o)));
  } catch (error) {
    if (isStatementError(error)) {
      // ROLLBACK TO keeps the savepoint; releasing it keeps savepoints from piling up.
      await client.query('ROLLBACK TO SAVEPOINT sluice_rows');
      await client.query('RELEASE SAVEPOINT sluice_rows');
    }
    throw error;
  }
}

/**
 * Records the outcomes of a successful statement: accepted, or rejected for an update that
 * matched no row.
 */
function recordOutcomes(
  rows: PreparedRow[],
  kind: StatementKind,
  matched: Set<number>,
  outcomes: RowOutcome[],
  table: TableName,
): void {
  rows.forEach((row, position) => {
    if (kind !== 'update' || matched.has(position + 1)) {
      outcomes[row.index] = { status: 'accepted' };
      return;
    }
    outcomes[row.index] = {
      status: 'rejected',
      reason: `no row in ${qualifiedName(table)} has this key; update changes existing rows only`,
    };
  });
}

function columnType(types: ReadonlyMap<string, string>, name: string): string {
  const type = types.get(name);
  if (type === undefined) throw new Error(`column "${name}" was not created before writing`);
  return type;
}
