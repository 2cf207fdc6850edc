import { ModelBuildError } from '../core/errors.js';
import type { Row } from '../core/values.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';
import type { TableRef } from '../warehouse/table-ref.js';
import type { CompiledModel } from './compile.js';

const EXAMPLE_LIMIT = 5;

/**
 * Runs the tests declared in a model's settings against `table`, the model's new build. A
 * failure names the test, the number of offending rows and a few examples; personal-data
 * columns are masked.
 */
export async function runModelTests(warehouse: WarehouseAdapter, model: CompiledModel, table: TableRef, rowCount: number): Promise<void> {
  const failures: string[] = [];
  for (const test of model.settings.tests) {
    if ('min_rows' in test && rowCount < test.min_rows) {
      failures.push(`min_rows: expected at least ${test.min_rows} rows, got ${rowCount}`);
    }
    if ('not_null' in test) {
      for (const column of test.not_null) {
        const count = await countWhere(warehouse, table, `${warehouse.dialect.quoteIdentifier(column)} IS NULL`);
        if (count > 0) failures.push(`not_null(${column}): ${count} rows are NULL`);
      }
    }
    if ('unique' in test) {
      const failure = await checkUnique(warehouse, model, table, test.unique);
      if (failure) failures.push(failure);
    }
  }
  if (failures.length > 0) {
    throw new ModelBuildError(model.name, `Model ${model.name} failed its tests (${model.file}):\n  ${failures.join('\n  ')}`);
  }
}

async function countWhere(warehouse: WarehouseAdapter, table: TableRef, condition: string): Promise<number> {
  const rows = await warehouse.query(`SELECT count(*) AS n FROM ${warehouse.dialect.quoteTable(table)} WHERE ${condition}`);
  return Number(rows[0]?.n ?? 0);
}

async function checkUnique(warehouse: WarehouseAdapter, model: CompiledModel, table: TableRef, columns: string[]): Promise<string | undefined> {
  const { dialect } = warehouse;
  const list = columns.map((column) => dialect.quoteIdentifier(column)).join(', ');
  const rows = await warehouse.query(
    `SELECT ${list}, count(*) AS copies, count(*) OVER () AS duplicated_keys FROM ${dialect.quoteTable(table)} ` +
      `GROUP BY ${list} HAVING count(*) > 1 ORDER BY copies DESC LIMIT ${EXAMPLE_LIMIT}`,
  );
  if (rows.length === 0) return undefined;
  const examples = rows.map((row) => describeKey(row, columns, model.settings.pii)).join('; ');
  return `unique(${columns.join(', ')}): ${rows[0]!.duplicated_keys} values occur more than once, for example ${examples}`;
}

function describeKey(row: Row, columns: string[], pii: string[]): string {
  const parts = columns.map((column) => `${column}=${pii.includes(column) ? '[pii]' : JSON.stringify(row[column])}`);
  return `${parts.join(', ')} (${row.copies} rows)`;
}
