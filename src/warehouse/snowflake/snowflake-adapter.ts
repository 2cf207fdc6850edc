import type { Connection } from 'snowflake-sdk';
import type { SnowflakeWarehouseConfig } from '../../config/snowflake-warehouse-schema.js';
import { WarehouseError, errorMessage } from '../../core/errors.js';
import type { ColumnInfo, LogicalType, Row } from '../../core/values.js';
import type { WarehouseAdapter } from '../adapter.js';
import type { WarehouseCapabilities } from '../capabilities.js';
import type { TableRef } from '../table-ref.js';
import { snowflakeDialect } from './snowflake-dialect.js';
import { connectionOptions, loadSnowflakeSdk } from './snowflake-driver.js';
import { quoteStoredName, sluiceName, snowflakeName } from './snowflake-identifiers.js';
import { destroyConnection, runStatement, streamRows, type StatementRequest, type StatementResult } from './snowflake-session.js';
import { logicalTypeOf, toCanonical } from './snowflake-values.js';

/**
 * A Snowflake warehouse through snowflake-sdk, on one session. Every statement is sent with
 * statement-level parameters: TIMEZONE 'UTC', so TIMESTAMP_NTZ values and CURRENT_TIMESTAMP read
 * as UTC, and while a tag is set, QUERY_TAG carrying the run id, which also travels as a comment
 * before the statement. Parameters on the statement, rather than ALTER SESSION, also work on
 * fakesnow, which rejects ALTER SESSION SET TIMEZONE and ignores statement parameters.
 */
export class SnowflakeAdapter implements WarehouseAdapter {
  static readonly capabilities: WarehouseCapabilities = {
    supportsTransactions: true,
    // Snowflake commits an open transaction before every DDL statement.
    supportsTransactionalDdl: false,
    readsLocalFiles: false,
    supportsMerge: true,
    // One session serves every statement, and a transaction on it would take in any statement
    // run alongside, so statements run one at a time.
    supportsConcurrentQueries: false,
  };

  readonly dialect = snowflakeDialect;
  readonly capabilities = SnowflakeAdapter.capabilities;

  readonly #connection: Connection;
  readonly #statementTimeoutSeconds: number;
  #tag: string | undefined;

  private constructor(connection: Connection, statementTimeoutSeconds: number) {
    this.#connection = connection;
    this.#statementTimeoutSeconds = statementTimeoutSeconds;
  }

  static async open(config: SnowflakeWarehouseConfig, projectDir: string): Promise<SnowflakeAdapter> {
    const sdk = await loadSnowflakeSdk();
    const options = await connectionOptions(config, projectDir).catch((error: unknown) => {
      throw new WarehouseError(errorMessage(error), { cause: error });
    });
    let connection: Connection;
    try {
      // snowflake-sdk checks the options here, such as whether a private key is PEM text.
      connection = sdk.createConnection(options);
    } catch (error) {
      throw new WarehouseError(`Invalid Snowflake connection settings in warehouse: ${errorMessage(error)}`, { cause: error });
    }
    try {
      await connection.connectAsync();
    } catch (error) {
      const target = options.accessUrl ?? `account ${config.account}`;
      throw new WarehouseError(
        `Cannot connect to Snowflake at ${target} as user ${config.user}: ${errorMessage(error)}. ` +
          'Check warehouse.account, user and credentials in sluice.yml.',
        { cause: error },
      );
    }
    return new SnowflakeAdapter(connection, config.statement_timeout_seconds);
  }

  setTag(tag: string | undefined): void {
    this.#tag = tag;
  }

  async execute(sql: string): Promise<void> {
    await this.#run(sql);
  }

  async query(sql: string): Promise<Row[]> {
    const result = await this.#run(sql);
    const columns = readColumns(result);
    return result.rows.map((values) => toRow(columns, values));
  }

  async *stream(sql: string, pageSize: number): AsyncIterable<Row[]> {
    const result = await this.#run(sql, { streamResult: true });
    const columns = readColumns(result);
    const rows = streamRows(result.statement);
    try {
      let page: Row[] = [];
      for await (const values of rows) {
        page.push(toRow(columns, values as unknown[]));
        if (page.length >= pageSize) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    } finally {
      rows.destroy();
    }
  }

  async describe(sql: string): Promise<ColumnInfo[]> {
    const result = await this.#run(sql, { describeOnly: true });
    return result.columns.map((column) => ({
      name: sluiceName(column.getName()),
      type: logicalTypeOf({ type: column.getType(), scale: column.getScale() }),
      nativeType: nativeTypeName(column.getType(), column.getScale(), column.getPrecision()),
    }));
  }

  async loadRows(
    table: TableRef,
    columns: { name: string; type: LogicalType }[],
    rows: Row[],
    options: { append?: boolean } = {},
  ): Promise<void> {
    const target = this.dialect.quoteTable(table);
    if (!options.append) {
      const definitions = columns.map(
        (column) => `${this.dialect.quoteIdentifier(column.name)} ${this.dialect.typeName(column.type)}`,
      );
      await this.execute(`CREATE OR REPLACE TABLE ${target} (${definitions.join(', ')})`);
    }
    if (rows.length === 0) return;

    // Rows travel as one bound JSON document, and each field is cast to its column's type from
    // text, which keeps exact decimals, big integers and microsecond timestamps.
    const document = JSON.stringify(rows.map((row) => columns.map((column) => row[column.name] ?? null)));
    const selectList = columns.map((column, index) => {
      const field = `f.value[${index}]`;
      return column.type === 'json' ? field : `${field}::VARCHAR::${this.dialect.typeName(column.type)}`;
    });
    const names = columns.map((column) => this.dialect.quoteIdentifier(column.name));
    await this.#run(
      `INSERT INTO ${target} (${names.join(', ')}) SELECT ${selectList.join(', ')} FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f`,
      { binds: [document] },
    );
  }

  /**
   * Runs the statements in one transaction. NOTE: Snowflake commits an open transaction before
   * any DDL statement (CREATE, DROP, ALTER), so only DML belongs here.
   */
  async atomically(statements: string[]): Promise<void> {
    await this.execute('BEGIN TRANSACTION');
    try {
      for (const statement of statements) await this.execute(statement);
      await this.execute('COMMIT');
    } catch (error) {
      await this.execute('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  async tableExists(table: TableRef): Promise<boolean> {
    const schemaFilter = table.schema
      ? `table_schema = ${this.dialect.stringLiteral(snowflakeName(table.schema))}`
      : 'table_schema = CURRENT_SCHEMA()';
    const rows = await this.query(
      `SELECT count(*) AS n FROM information_schema.tables WHERE ${schemaFilter} ` +
        `AND table_name = ${this.dialect.stringLiteral(snowflakeName(table.name))}`,
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  /**
   * Creates the schema if it is missing. Creating a schema also makes it the session's current
   * schema (see the usage notes of CREATE SCHEMA), and fakesnow 0.12 does so even for one that
   * exists. Every unqualified name, such as a source table given without a schema, would then
   * resolve in it, so the session's current schema is restored afterwards.
   */
  async ensureSchema(schema: string): Promise<void> {
    const [session] = await this.query('SELECT CURRENT_SCHEMA() AS current_schema');
    await this.execute(`CREATE SCHEMA IF NOT EXISTS ${this.dialect.quoteIdentifier(schema)}`);
    const current = session?.current_schema;
    // NOTE: a session that had no current schema keeps the new one, because USE cannot unset it.
    if (typeof current === 'string') await this.execute(`USE SCHEMA ${quoteStoredName(current)}`);
  }

  async close(): Promise<void> {
    await destroyConnection(this.#connection);
  }

  async #run(sql: string, options: Omit<StatementRequest, 'sqlText' | 'parameters'> = {}): Promise<StatementResult> {
    const sqlText = this.#tag ? this.dialect.statementTag(this.#tag) + sql : sql;
    try {
      return await runStatement(this.#connection, { sqlText, parameters: this.#parameters(), ...options });
    } catch (error) {
      throw this.#error(sql, error);
    }
  }

  #parameters(): Record<string, string | number> {
    const parameters: Record<string, string | number> = { TIMEZONE: 'UTC' };
    if (this.#tag) parameters.QUERY_TAG = `sluice ${this.#tag}`;
    if (this.#statementTimeoutSeconds > 0) parameters.STATEMENT_TIMEOUT_IN_SECONDS = this.#statementTimeoutSeconds;
    return parameters;
  }

  #error(sql: string, error: unknown): WarehouseError {
    const firstLine = sql.trim().split('\n')[0]?.slice(0, 120) ?? '';
    return new WarehouseError(`Snowflake: ${errorMessage(error)}\n  in statement: ${firstLine}`, { cause: error });
  }
}

interface ResultColumn {
  name: string;
  type: LogicalType;
}

function readColumns(result: StatementResult): ResultColumn[] {
  return result.columns.map((column) => ({
    name: sluiceName(column.getName()),
    type: logicalTypeOf({ type: column.getType(), scale: column.getScale() }),
  }));
}

function toRow(columns: ResultColumn[], values: unknown[]): Row {
  const row: Row = {};
  columns.forEach((column, index) => {
    row[column.name] = toCanonical(values[index], column.type);
  });
  return row;
}

function nativeTypeName(type: string, scale: number, precision: number): string {
  return type === 'fixed' ? `NUMBER(${precision},${scale})` : type.toUpperCase();
}
