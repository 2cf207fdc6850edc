import type { ColumnInfo, Row } from '../src/core/values.js';
import type { WarehouseAdapter } from '../src/warehouse/adapter.js';
import type { TableRef } from '../src/warehouse/table-ref.js';

/** Wall and CPU time of one statement run through a TimedWarehouse. */
export interface StatementTiming {
  /** The statement's first 80 characters, whitespace collapsed. */
  statement: string;
  seconds: number;
  /** CPU seconds of the whole process (every DuckDB thread) while the statement ran. */
  cpuSeconds: number;
}

/**
 * A warehouse adapter that passes every call through to another adapter and records the wall
 * and CPU time of each `execute`, `query` and `atomically` (one entry per transaction), so a
 * benchmark can show which statement of a step costs what. Streams and loads are passed through
 * untimed.
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
    const label = `transaction of ${statements.length}: ${statements[0] ?? ''}`;
    return this.#timed(label, () => this.#inner.atomically(statements));
  }

  tableExists(table: TableRef): Promise<boolean> {
    return this.#inner.tableExists(table);
  }

  ensureSchema(schema: string): Promise<void> {
    return this.#inner.ensureSchema(schema);
  }

  get scratchSchema(): (() => Promise<string>) | undefined {
    const inner = this.#inner;
    return inner.scratchSchema === undefined ? undefined : () => inner.scratchSchema!();
  }

  setTag(tag: string | undefined): void {
    this.#inner.setTag(tag);
  }

  close(): Promise<void> {
    return this.#inner.close();
  }

  async #timed<T>(sql: string, run: () => Promise<T>): Promise<T> {
    const started = performance.now();
    const cpuBefore = process.cpuUsage();
    try {
      return await run();
    } finally {
      const cpu = process.cpuUsage(cpuBefore);
      const statement = sql.replace(/\s+/g, ' ').trim().slice(0, 80);
      this.timings.push({ statement, seconds: (performance.now() - started) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
    }
  }
}
