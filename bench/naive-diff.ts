import { createHash } from 'node:crypto';
import type { Row } from '../src/core/values.js';
import type { DiffSpec } from '../src/diff/diff-spec.js';
import { fieldColumn } from '../src/diff/sync-tables.js';
import type { WarehouseAdapter } from '../src/warehouse/adapter.js';

/** Rows per page when streaming, the same page size the adapter's own `query` uses. */
const PAGE_SIZE = 10_000;

export interface NaiveDiffResult {
  added: string[];
  changed: string[];
  removed: string[];
}

/**
 * Diffs the model against the snapshot as a user would by hand. It streams the last delivered
 * rows out of the warehouse into a Map of key to an MD5 of the mapped fields, then streams the
 * model and looks up each row in the Map. Both sides go through the adapter's `stream`, so values
 * arrive in the same canonical form the engine sends to destinations.
 *
 * It does less than the engine's plan: no NULL or duplicate key checks, no removal guards, no
 * per-row operations, and nothing is written back for a later send.
 */
export async function naiveDiff(warehouse: WarehouseAdapter, spec: DiffSpec): Promise<NaiveDiffResult> {
  const { dialect } = warehouse;
  const delivered = new Map<string, string>();
  const snapshotColumns = spec.fields.map((_field, i) => fieldColumn('f', i));
  const snapshotSql = `SELECT _key, ${snapshotColumns.join(', ')} FROM ${dialect.quoteTable(spec.tables.snapshot)}`;
  for await (const page of warehouse.stream(snapshotSql, PAGE_SIZE)) {
    for (const row of page) delivered.set(String(row._key), hashFields(row, snapshotColumns));
  }

  // The key is a single text column here, so it is compared as the model returns it.
  const keyColumn = dialect.quoteIdentifier(spec.keyColumns[0]!.name);
  const modelColumns = spec.fields.map((field) => dialect.quoteIdentifier(field.column));
  const modelSql = `SELECT ${keyColumn} AS _key, ${modelColumns.join(', ')} FROM ${dialect.quoteTable(spec.model)}`;
  const fieldNames = spec.fields.map((field) => field.column);
  const result: NaiveDiffResult = { added: [], changed: [], removed: [] };
  for await (const page of warehouse.stream(modelSql, PAGE_SIZE)) {
    for (const row of page) {
      const key = String(row._key);
      const previousHash = delivered.get(key);
      if (previousHash === undefined) {
        result.added.push(key);
        continue;
      }
      delivered.delete(key);
      if (previousHash !== hashFields(row, fieldNames)) result.changed.push(key);
    }
  }
  result.removed = [...delivered.keys()];
  return result;
}

function hashFields(row: Row, columns: string[]): string {
  const values = columns.map((column) => row[column] ?? null);
  return createHash('md5').update(JSON.stringify(values)).digest('hex');
}
