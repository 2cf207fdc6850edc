import type { ColumnInfo, Row } from '../src/core/values.js';
import type { WarehouseAdapter } from '../src/warehouse/adapter.js';
import type { TableRef } from '../src/warehouse/table-ref.js';

/** Wall time of one statement run through a TimedWarehouse. */
export interface StatementTiming {
  /** The statement's first 80 characters, whitespace collapsed. */
  statement: string;
  seconds: number;
}

/**
 * A warehouse adapter that passes every call through to another adapter and records the wall
 * time of each `execute` and `query`, so a benchmark can show which statement of a step costs
 * what. Streams and loads are passed through untimed.
 */
export class TimedWarehouse implements WarehouseAdapter {
  readonly timings: StatementTiming[] = [];
  readonly #inner: WarehouseAdapter;

  constructor(inner: WarehouseAdapter) {
    this.#inner = inner;
  }

  get dialect() {
    return this.#inner.dialect;
  }

  get capabilities() {
    return this.#inner.capabilities;
  }

  execute(sql: string): Promise<void> {
    return this.#timed(sql, () => this.#inner.execute(sql));
  }

  query(sql: string): Promise<Row[]> {
    return this.#timed(sql, () => this.#inner.query(sql));
  }

  stream(sql: string, pageSize: number): AsyncIterable<Row[]> {
    return this.#inner.stream(sql, pageSize);
  }

  describe(sql: string): Promise<ColumnInfo[]> {
    return this.#inner.describe(sql);
  }

  loadRows(table: TableRef, columns: { name: string; type: ColumnInfo['type'] }[], rows: Row[], options?: { append?: boolean }): Promise<void> {
    return this.#inner.loadRows(table, columns, rows, options);
  }

  atomically(statements: string[]): Promise<void> {
    return this.#inner.atomically(statements);
  }

  tableExists(table: TableRef): Promise<boolean> {
    return this.#inner.tableExists(table);
  }

  ensureSchema(schema: string): Promise<void> {
    return this.#inner.ensureSchema(schema);
  }

  setTag(tag: string | undefined): void {
    this.#inner.setTag(tag);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #timed<T>(sql: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      return await run();
    } finally {
      const statement = sql.replace(/\s+/g, ' ').trim().slice(0, 80);
      this.timings.push({ statement, seconds: (performance.now() - started) / 1000 });
    }
  }
}
