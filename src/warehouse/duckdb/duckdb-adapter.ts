import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DuckDBConnection, DuckDBInstance, type DuckDBResult } from '@duckdb/node-api';
import { WarehouseError, errorMessage } from '../../core/errors.js';
import type { ColumnInfo, LogicalType, Row } from '../../core/values.js';
import type { WarehouseAdapter } from '../adapter.js';
import type { WarehouseCapabilities } from '../capabilities.js';
import type { TableRef } from '../table-ref.js';
import { duckdbDialect } from './duckdb-dialect.js';
import { jsonConverter, logicalTypeOf, toCanonical } from './duckdb-values.js';

export interface DuckDBAdapterOptions {
  /** Database file, or `:memory:`. */
  path: string;
  threads?: number;
  memoryLimit?: string;
  /** Lower cap while Sluice's own sync statements run; see `withSyncMemoryCap`. */
  syncMemoryLimit?: string;
  /** Folder that relative file paths in SQL resolve against: the project folder. */
  fileSearchPath?: string;
  /** How long to wait for another process to release the database file. */
  lockWaitMs?: number;
}

const LOCK_RETRY_MS = 250;

interface MemoryLimits {
  /** DuckDB's memory_limit for everything but a sync, such as models; read when the cap is set. */
  limit: string | undefined;
  syncLimit: string | undefined;
  /** The allocator settings to go back to after a sync, read when the cap is set. */
  allocator: Record<AllocatorSetting, string> | undefined;
}

/**
 * DuckDB's allocator keeps memory that queries freed, up to these thresholds (128 MiB and
 * 512 MiB by default), to hand it out again quickly. That memory counts in the process's RSS
 * but not against memory_limit, so under a 128MB cap it can double what the process holds.
 * A sync sets both low, and DuckDB then returns freed memory to the system after each task.
 */
const ALLOCATOR_SETTINGS = ['allocator_flush_threshold', 'allocator_bulk_deallocation_flush_threshold'] as const;
type AllocatorSetting = (typeof ALLOCATOR_SETTINGS)[number];
const SYNC_ALLOCATOR_FLUSH_THRESHOLD = '1MB';

/** Name of the in-memory database that contains the scratch tables, unless a schema has it (see scratchSchema). */
const SCRATCH_DATABASE = 'sluice_scratch';

function lowAllocatorThresholds(): Record<AllocatorSetting, string> {
  return Object.fromEntries(ALLOCATOR_SETTINGS.map((name) => [name, SYNC_ALLOCATOR_FLUSH_THRESHOLD])) as Record<AllocatorSetting, string>;
}

/**
 * The embedded default warehouse, one DuckDB instance per adapter. Statements run on a main
 * connection. Each stream gets its own connection, because DuckDB invalidates an open streaming
 * result when its connection runs another statement.
 */
export class DuckDBAdapter implements WarehouseAdapter {
  static readonly capabilities: WarehouseCapabilities = {
    supportsTransactions: true,
    supportsTransactionalDdl: true,
    readsLocalFiles: true,
    supportsMerge: false,
    supportsConcurrentQueries: true,
  };

  readonly dialect = duckdbDialect;
  readonly capabilities = DuckDBAdapter.capabilities;

  readonly #instance: DuckDBInstance;
  readonly #main: DuckDBConnection;
  readonly #memory: MemoryLimits;
  #tag: string | undefined;
  /** The caller to tell, once, if a statement needs the sync memory cap lifted; set while the cap is in force. */
  #cap: { onLifted: (reason: string) => void } | undefined;
  #inTransaction = false;
  /** Name of the attached in-memory database, once scratchSchema has attached it. */
  #scratchDatabase: string | undefined;

  private constructor(instance: DuckDBInstance, main: DuckDBConnection, memory: MemoryLimits) {
    this.#instance = instance;
    this.#main = main;
    this.#memory = memory;
  }

  static async open(options: DuckDBAdapterOptions): Promise<DuckDBAdapter> {
    const settings: Record<string, string> = {};
    if (options.threads) settings.threads = String(options.threads);
    if (options.memoryLimit) settings.memory_limit = options.memoryLimit;
    // Relative paths keep compiled SQL, and so model versions, the same on every clone.
    if (options.fileSearchPath) settings.file_search_path = options.fileSearchPath;

    if (options.path !== ':memory:') await mkdir(dirname(options.path), { recursive: true });
    const instance = await DuckDBAdapter.#createInstance(options.path, settings, options.lockWaitMs ?? 0);
    const main = await DuckDBAdapter.#connect(instance);
    if (!options.syncMemoryLimit) return new DuckDBAdapter(instance, main, { limit: undefined, syncLimit: undefined, allocator: undefined });
    // The settings to go back to after a sync, read once: DuckDB 1.5's `RESET memory_limit` shows
    // the default in current_setting but leaves the buffer pool at the lower cap.
    const limit = options.memoryLimit ?? (await DuckDBAdapter.#setting(main, 'memory_limit'));
    const allocator = {} as Record<AllocatorSetting, string>;
    for (const name of ALLOCATOR_SETTINGS) allocator[name] = await DuckDBAdapter.#setting(main, name);
    return new DuckDBAdapter(instance, main, { limit, syncLimit: options.syncMemoryLimit, allocator });
  }

  /**
   * DuckDB lets one process at a time open a database file for writing. Another Sluice process
   * (a run, or the scheduler during a tick) may hold it, so opening retries until `lockWaitMs`.
   */
  static async #createInstance(path: string, settings: Record<string, string>, lockWaitMs: number): Promise<DuckDBInstance> {
    const deadline = Date.now() + lockWaitMs;
    for (;;) {
      try {
        return await DuckDBInstance.create(path, settings);
      } catch (error) {
        const locked = /Could not set lock on file/i.test(errorMessage(error));
        if (locked && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, LOCK_RETRY_MS));
          continue;
        }
        if (locked) {
          const holder = /Conflicting lock is held in (.*?)(?:\. See also|$)/.exec(errorMessage(error))?.[1] ?? 'unknown';
          throw new WarehouseError(
            `The DuckDB database ${path} is in use by another process (${holder}), such as another ` +
              'sluice run or the scheduler. Wait for it to finish and run again.',
            { cause: error, code: 'warehouse_locked' },
          );
        }
        throw new WarehouseError(`Cannot open the DuckDB database ${path}: ${errorMessage(error)}`, { cause: error });
      }
    }
  }

  static async #setting(connection: DuckDBConnection, name: string): Promise<string> {
    const reader = await connection.runAndReadAll(`SELECT current_setting(${duckdbDialect.stringLiteral(name)})`);
    return String(reader.getRows()[0]![0]);
  }

  static async #connect(instance: DuckDBInstance): Promise<DuckDBConnection> {
    const connection = await instance.connect();
    // Canonical timestamps are UTC whatever the host's time zone.
    await connection.run("SET TimeZone = 'UTC'");
    return connection;
  }

  setTag(tag: string | undefined): void {
    this.#tag = tag;
  }

  async execute(sql: string): Promise<void> {
    try {
      await this.#run(this.#main, sql);
    } catch (error) {
      // Inside a transaction the failed statement has aborted it; `atomically` retries it whole.
      if (this.#inTransaction || !(await this.#liftCapAfter(error))) throw error;
      await this.#run(this.#main, sql);
    }
  }

  async query(sql: string): Promise<Row[]> {
    const rows: Row[] = [];
    for await (const page of this.stream(sql, 10_000)) rows.push(...page);
    return rows;
  }

  async *stream(sql: string, pageSize: number): AsyncIterable<Row[]> {
    let yielded = false;
    try {
      for await (const page of this.#streamOnce(sql, pageSize)) {
        yielded = true;
        yield page;
      }
    } catch (error) {
      // A result is read again from the start only if none of it reached the caller.
      if (yielded || !(await this.#liftCapAfter(error))) throw error;
      yield* this.#streamOnce(sql, pageSize);
    }
  }

  async *#streamOnce(sql: string, pageSize: number): AsyncIterable<Row[]> {
    const connection = await DuckDBAdapter.#connect(this.#instance);
    try {
      const result = await this.#streamResult(connection, sql);
      const names = result.deduplicatedColumnNames();
      const types = result.columnTypes().map(logicalTypeOf);
      let page: Row[] = [];

      for await (const chunk of result.yieldConvertedRows(jsonConverter)) {
        for (const values of chunk) {
          page.push(toRow(names, types, values));
          if (page.length >= pageSize) {
            yield page;
            page = [];
          }
        }
      }
      if (page.length > 0) yield page;
    } finally {
      connection.closeSync();
    }
  }

  async describe(sql: string): Promise<ColumnInfo[]> {
    const connection = await DuckDBAdapter.#connect(this.#instance);
    try {
      const prepared = await connection.prepare(sql).catch((error: unknown) => {
        throw this.#error(sql, error);
      });
      const count = prepared.columnCount;
      const columns: ColumnInfo[] = [];
      for (let index = 0; index < count; index += 1) {
        const type = prepared.columnType(index);
        columns.push({
          name: prepared.columnName(index),
          type: logicalTypeOf(type),
          nativeType: type.toString(),
        });
      }
      return columns;
    } finally {
      connection.closeSync();
    }
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

    // Values arrive as one JSON document and DuckDB casts each field to its column's type, which
    // keeps exact decimals and microsecond timestamps that an appender of JS numbers would lose.
    const document = JSON.stringify(rows.map((row) => columns.map((column) => row[column.name] ?? null)));
    const selectList = columns
      .map((column, index) => {
        const field = `json_extract_string(value, '$[${index}]')`;
        const cast = `CAST(${field} AS ${this.dialect.typeName(column.type)})`;
        return column.type === 'json' ? `json_extract(value, '$[${index}]')` : cast;
      })
      .join(', ');
    const source = `SELECT ${selectList} FROM json_each(${this.dialect.stringLiteral(document)})`;
    await this.execute(`INSERT INTO ${target} ${source}`);
  }

  async atomically(statements: string[]): Promise<void> {
    try {
      await this.#transaction(statements);
    } catch (error) {
      if (!(await this.#liftCapAfter(error))) throw error;
      await this.#transaction(statements);
    }
  }

  async #transaction(statements: string[]): Promise<void> {
    await this.execute('BEGIN TRANSACTION');
    this.#inTransaction = true;
    try {
      for (const statement of statements) await this.execute(statement);
      await this.execute('COMMIT');
    } catch (error) {
      await this.execute('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      this.#inTransaction = false;
    }
  }

  /**
   * Runs `work` with DuckDB's memory capped at `syncMemoryLimit` and its allocator returning freed
   * memory at once. Sluice's own statements for a sync (the diff, the reads of rows to send, the
   * snapshot commit) are joins, sorts and inserts that DuckDB spills to disk when memory runs
   * short. The cap therefore keeps a large sync's memory flat, at the cost of some speed. Should DuckDB still run out of memory, the cap is lifted for
   * the rest of `work`, the failed statement runs again, and `onLifted` receives the reason.
   */
  async withSyncMemoryCap<T>(work: () => Promise<T>, onLifted: (reason: string) => void): Promise<T> {
    const cap = this.#memory.syncLimit;
    if (!cap || this.#cap) return work();
    try {
      await this.#applySettings({ memory_limit: cap, ...lowAllocatorThresholds() });
    } catch (error) {
      // A setting applied before the one that failed goes back too.
      await this.#restoreSettings();
      onLifted(`DuckDB could not lower its memory limit to ${cap}: ${errorMessage(error)}`);
      return work();
    }
    this.#cap = { onLifted };
    try {
      return await work();
    } finally {
      if (this.#cap) {
        this.#cap = undefined;
        await this.#restoreSettings();
      }
    }
  }

  /** Lifts the sync memory cap if `error` is DuckDB running out of memory under it. */
  async #liftCapAfter(error: unknown): Promise<boolean> {
    const cap = this.#cap;
    if (!cap || !/Out of Memory Error/i.test(errorMessage(error))) return false;
    this.#cap = undefined;
    await this.#restoreSettings();
    cap.onLifted(`DuckDB ran out of memory under sync_memory_limit ${this.#memory.syncLimit}: ${errorMessage(error).split('\n')[0]}`);
    return true;
  }

  async #restoreSettings(): Promise<void> {
    await this.#applySettings({ memory_limit: this.#memory.limit!, ...this.#memory.allocator });
  }

  async #applySettings(settings: Record<string, string>): Promise<void> {
    for (const [name, value] of Object.entries(settings)) {
      await this.#main.run(`SET ${this.dialect.quoteIdentifier(name)} = ${this.dialect.stringLiteral(value)}`);
    }
  }

  async tableExists(table: TableRef): Promise<boolean> {
    const schemaFilter = table.schema
      ? `table_schema = ${this.dialect.stringLiteral(table.schema)}`
      : 'table_schema = current_schema()';
    const rows = await this.query(
      `SELECT count(*) AS n FROM information_schema.tables WHERE ${schemaFilter} ` +
        `AND table_name = ${this.dialect.stringLiteral(table.name)}`,
    );
    return Number(rows[0]?.n ?? 0) > 0;
  }

  async ensureSchema(schema: string): Promise<void> {
    await this.execute(`CREATE SCHEMA IF NOT EXISTS ${this.dialect.quoteIdentifier(schema)}`);
  }

  /**
   * Attaches an in-memory database once per instance and returns its name, which DuckDB reads
   * as `catalog.table` in a two-part name. Its tables never reach the database file or its WAL,
   * and every connection of the instance can read them. A TEMP table would not do, because it
   * belongs to one connection, and streams and queries run on connections of their own. DuckDB
   * spills in-memory tables to its temporary directory when they outgrow `memory_limit` (DuckDB
   * 1.3 documentation, "Connect").
   */
  async scratchSchema(): Promise<string> {
    this.#scratchDatabase ??= await this.#attachScratchDatabase();
    return this.#scratchDatabase;
  }

  /**
   * Attaches the first of sluice_scratch, sluice_scratch_2 and so on that names no schema and
   * no database yet. DuckDB rejects a two-part name as ambiguous when a schema of the main
   * database and an attached database share its first part.
   */
  async #attachScratchDatabase(): Promise<string> {
    const names = await this.query('SELECT schema_name AS name FROM information_schema.schemata UNION SELECT database_name FROM duckdb_databases()');
    const usedNames = new Set(names.map((row) => String(row.name).toLowerCase()));
    let name = SCRATCH_DATABASE;
    for (let suffix = 2; usedNames.has(name); suffix += 1) name = `${SCRATCH_DATABASE}_${suffix}`;
    await this.execute(`ATTACH ':memory:' AS ${this.dialect.quoteIdentifier(name)}`);
    return name;
  }

  async close(): Promise<void> {
    this.#main.closeSync();
    this.#instance.closeSync();
  }

  async #run(connection: DuckDBConnection, sql: string): Promise<void> {
    try {
      await connection.run(this.#tagged(sql));
    } catch (error) {
      throw this.#error(sql, error);
    }
  }

  async #streamResult(connection: DuckDBConnection, sql: string): Promise<DuckDBResult> {
    try {
      return await connection.stream(this.#tagged(sql));
    } catch (error) {
      throw this.#error(sql, error);
    }
  }

  #tagged(sql: string): string {
    return this.#tag ? this.dialect.statementTag(this.#tag) + sql : sql;
  }

  #error(sql: string, error: unknown): WarehouseError {
    const firstLine = sql.trim().split('\n')[0]?.slice(0, 120) ?? '';
    return new WarehouseError(`DuckDB: ${errorMessage(error)}\n  in statement: ${firstLine}`, {
      cause: error,
    });
  }
}

type Json = Parameters<typeof toCanonical>[0];

function toRow(names: string[], types: LogicalType[], values: Json[]): Row {
  const row: Row = {};
  for (let index = 0; index < names.length; index += 1) {
    row[names[index]!] = toCanonical(values[index] ?? null, types[index]!);
  }
  return row;
}
