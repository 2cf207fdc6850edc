import type { ColumnInfo, Row } from '../core/values.js';
import type { WarehouseCapabilities } from './capabilities.js';
import type { SqlDialect } from './dialect.js';
import type { TableRef } from './table-ref.js';

/**
 * One warehouse connection as the engines see it. Values come back in canonical form
 * (see core/values.ts) whatever the driver returns.
 */
export interface WarehouseAdapter {
  readonly dialect: SqlDialect;
  readonly capabilities: WarehouseCapabilities;

  /** Runs a statement and discards any result. */
  execute(sql: string): Promise<void>;
  /** Runs a query whose result is small enough to hold in memory. */
  query(sql: string): Promise<Row[]>;
  /**
   * Streams a query's result in pages of at most `pageSize` rows. Only one page is held at a
   * time, so memory stays flat however large the result is. A consumer that stops early must
   * call `return()` on the iterator (a `for await` with `break` does), which releases the result.
   */
  stream(sql: string, pageSize: number): AsyncIterable<Row[]>;
  /** Column names and logical types of a query's result, without running it in full. */
  describe(sql: string): Promise<ColumnInfo[]>;
  /**
   * Creates (or replaces) a table and loads rows into it. Meant for small sets such as the keys a
   * destination rejected; callers loading more call it with `append: true` page by page.
   */
  loadRows(
    table: TableRef,
    columns: { name: string; type: ColumnInfo['type'] }[],
    rows: Row[],
    options?: { append?: boolean },
  ): Promise<void>;
  /**
   * Runs statements so that other readers see all of their effects or none. Uses a transaction
   * where `capabilities.supportsTransactions`; adapters without one must provide an equivalent.
   * DDL belongs here only where `capabilities.supportsTransactionalDdl`.
   */
  atomically(statements: string[]): Promise<void>;
  tableExists(table: TableRef): Promise<boolean>;
  ensureSchema(schema: string): Promise<void>;
  /**
   * Runs a sync's statements under a lower memory cap, where the warehouse runs inside this
   * process. `onLifted` reports a cap that had to be lifted for a statement to finish.
   */
  withSyncMemoryCap?<T>(work: () => Promise<T>, onLifted: (reason: string) => void): Promise<T>;
  /**
   * Returns a schema for scratch tables, which a step creates, reads and drops while this
   * adapter is open and nothing reads afterwards. It exists once this returns, and every
   * statement, stream and load of this adapter can use it. Optional: without it, engines put
   * scratch tables in an ordinary schema.
   */
  scratchSchema?(): Promise<string>;
  /** Sets the tag (the run id) put before every statement from now on. */
  setTag(tag: string | undefined): void;
  close(): Promise<void>;
}
