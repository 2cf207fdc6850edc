import { KeyCheckError } from '../core/errors.js';
import type { Row } from '../core/values.js';
import type { WarehouseAdapter } from '../warehouse/adapter.js';
import type { DiffSpec } from './diff-spec.js';
import { keyExpression, nullKeyCondition } from './diff-sql.js';

const EXAMPLE_LIMIT = 5;

export interface KeyCheckResult {
  modelRows: number;
  /** Rows left out because a key part is NULL (within the allowed threshold). */
  nullKeyRows: number;
  /** Rows left out because their key occurs more than once (with on_duplicate_key: skip). */
  duplicateKeyRows: number;
}

/**
 * Checks the model's keys before anything is diffed or sent. NULL key parts and duplicate keys
 * fail the sync with counts and examples, unless the sync allows a number of NULL-key rows or
 * chose to skip duplicated keys. Either way a key is never picked arbitrarily.
 */
export async function checkKeys(
  warehouse: WarehouseAdapter,
  spec: DiffSpec,
  options: { maxNullKeyRows: number; pii: string[] },
): Promise<KeyCheckResult> {
  const { dialect } = warehouse;
  const model = dialect.quoteTable(spec.model);
  const keyNames = spec.keyColumns.map((column) => column.name).join(', ');

  const [counts] = await warehouse.query(
    `SELECT count(*) AS total, sum(CASE WHEN ${nullKeyCondition(dialect, spec.keyColumns)} THEN 1 ELSE 0 END) AS null_keys FROM ${model}`,
  );
  const modelRows = Number(counts?.total ?? 0);
  const nullKeyRows = Number(counts?.null_keys ?? 0);
  if (nullKeyRows > options.maxNullKeyRows) {
    const examples = await nullKeyExamples(warehouse, spec, options.pii);
    throw new KeyCheckError(
      `Sync ${spec.sync}: ${nullKeyRows} of ${modelRows} rows of model ${spec.model.name} have a NULL in the primary key (${keyNames}), ` +
        `more than guards.max_null_key_rows (${options.maxNullKeyRows}). Nothing was sent. ` +
        `Fix the model so every key is set, or raise guards.max_null_key_rows to leave such rows out. Examples: ${examples}`,
    );
  }

  const duplicates = await duplicateKeys(warehouse, spec);
  if (duplicates.keys > 0 && !spec.skipDuplicateKeys) {
    throw new KeyCheckError(
      `Sync ${spec.sync}: ${duplicates.keys} primary key values of model ${spec.model.name} (${keyNames}) occur more than once, ` +
        `in ${duplicates.rows} rows. Nothing was sent. Make the key unique in the model, or set on_duplicate_key: skip ` +
        `to leave all rows of such keys out. Examples: ${maskKeys(duplicates.examples, spec, options.pii)}`,
    );
  }
  return { modelRows, nullKeyRows, duplicateKeyRows: spec.skipDuplicateKeys ? duplicates.rows : 0 };
}

async function duplicateKeys(warehouse: WarehouseAdapter, spec: DiffSpec): Promise<{ keys: number; rows: number; examples: Row[] }> {
  const { dialect } = warehouse;
  const key = keyExpression(dialect, spec.keyColumns);
  const rows = await warehouse.query(
    `SELECT _key, copies, count(*) OVER () AS duplicated_keys, sum(copies) OVER () AS duplicated_rows FROM (` +
      `SELECT ${key} AS _key, count(*) AS copies FROM ${dialect.quoteTable(spec.model)} ` +
      `WHERE NOT (${nullKeyCondition(dialect, spec.keyColumns)}) GROUP BY ${key} HAVING count(*) > 1) dup ` +
      `ORDER BY copies DESC, _key LIMIT ${EXAMPLE_LIMIT}`,
  );
  return {
    keys: Number(rows[0]?.duplicated_keys ?? 0),
    rows: Number(rows[0]?.duplicated_rows ?? 0),
    examples: rows,
  };
}

function maskKeys(rows: Row[], spec: DiffSpec, pii: string[]): string {
  const keyIsPii = spec.keyColumns.some((column) => pii.includes(column.name));
  return rows.map((row) => `${keyIsPii ? '[pii]' : JSON.stringify(row._key)} (${row.copies} rows)`).join(', ');
}

async function nullKeyExamples(warehouse: WarehouseAdapter, spec: DiffSpec, pii: string[]): Promise<string> {
  const { dialect } = warehouse;
  const exampleFields = spec.fields.filter((field) => !pii.includes(field.column)).slice(0, 4);
  const columns = [...spec.keyColumns.map((c) => c.name), ...exampleFields.map((f) => f.column)];
  const unique = [...new Set(columns)];
  const rows = await warehouse.query(
    `SELECT ${unique.map((c) => dialect.quoteIdentifier(c)).join(', ')} FROM ${dialect.quoteTable(spec.model)} ` +
      `WHERE ${nullKeyCondition(dialect, spec.keyColumns)} LIMIT 3`,
  );
  return rows.map((row) => JSON.stringify(row)).join(', ');
}
