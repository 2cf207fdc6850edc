import { rowHashExpression, type SqlDialect } from '../warehouse/dialect.js';
import { MODE_OPERATIONS, type ChangeKind } from '../sync/modes.js';
import type { DiffField, DiffSpec, KeyColumn } from './diff-spec.js';
import { fieldColumn } from './sync-tables.js';

/**
 * SQL builders for the diff. They are pure functions of the spec and the dialect, so the SQL
 * each warehouse receives can be checked without running it.
 */

/** Alias of the model's table in the diff, for row filters that need to name its columns. */
export const MODEL_ROW = 'model_row';

/**
 * Canonical text of a row's key. A single column is its canonical text; several columns are
 * joined with length prefixes so that ("a|b", "c") and ("a", "b|c") stay distinct.
 */
export function keyExpression(dialect: SqlDialect, columns: KeyColumn[], alias?: string): string {
  const ref = (name: string) => (alias ? `${alias}.` : '') + dialect.quoteIdentifier(name);
  if (columns.length === 1) return dialect.canonicalText(ref(columns[0]!.name), columns[0]!.type);
  const parts = columns.flatMap((column, index) => {
    const text = dialect.canonicalText(ref(column.name), column.type);
    const length = `CAST(${dialect.textLength(text)} AS ${dialect.typeName('string')})`;
    return index === 0 ? [length, "':'", text] : ["'|'", length, "':'", text];
  });
  return dialect.concatText(parts);
}

/** True when any key part is NULL. NULL is never a key value. */
export function nullKeyCondition(dialect: SqlDialect, columns: KeyColumn[]): string {
  return columns.map((column) => `${dialect.quoteIdentifier(column.name)} IS NULL`).join(' OR ');
}

/** Returns the value a field has at the destination after this row is delivered. */
function effectiveValue(field: DiffField, current: string, previous: string): string {
  // With on_null skip, a NULL leaves the delivered value alone, so it is not a change.
  return field.onNull === 'skip' ? `COALESCE(${current}, ${previous})` : current;
}

function operationCase(spec: DiffSpec, dialect: SqlDialect): string {
  const branches = (Object.entries(MODE_OPERATIONS[spec.mode]) as [ChangeKind, string | null][])
    .map(([kind, operation]) => {
      const value = operation === null ? `CAST(NULL AS ${dialect.typeName('string')})` : dialect.stringLiteral(operation);
      return `WHEN ${dialect.stringLiteral(kind)} THEN ${value}`;
    })
    .join(' ');
  return `CASE _change ${branches} END`;
}

/**
 * Statements that create the diff table: every row that differs from the snapshot, with its
 * operation and its place in the send order, `_seq`. Three steps, each small in memory:
 *
 * 1. Keys of the rows that may differ: one outer join of model and snapshot on the key, which
 *    compares a fingerprint of the mapped values where the dialect has one, so that the join
 *    carries keys and fingerprints instead of every value.
 * 2. Those rows, with old and new values and the canonical MD5 hash, which decides exactly, so
 *    on_null skip fields and values that compare unequal but share canonical text come out right.
 * 3. The rows numbered by a sort of their keys alone, joined back.
 */
export function createDiffTableSql(spec: DiffSpec, dialect: SqlDialect): string[] {
  return [
    dialect.createTableAs(spec.tables.diffKeys, candidateKeysSelect(spec, dialect)),
    dialect.createTableAs(spec.tables.diffRows, diffRowsSelect(spec, dialect)),
    dialect.createTableAs(spec.tables.diff, numberedDiffSelect(spec, dialect)),
    dialect.dropTableIfExists(spec.tables.diffKeys),
    dialect.dropTableIfExists(spec.tables.diffRows),
  ];
}

/** Returns a SELECT of the model's rows with a key, under the names the snapshot uses: `_key`, `f0`, `f1`, ... */
function currentRowsSelect(spec: DiffSpec, dialect: SqlDialect): string {
  const key = keyExpression(dialect, spec.keyColumns);
  const fieldSelect = spec.fields.map((field, i) => `${dialect.quoteIdentifier(field.column)} AS ${fieldColumn('f', i)}`);
  const copies = spec.skipDuplicateKeys ? [`count(*) OVER (PARTITION BY ${key}) AS _copies`] : [];
  const conditions = [`NOT (${nullKeyCondition(dialect, spec.keyColumns)})`, ...(spec.rowFilters ?? []).map((filter) => `(${filter})`)];
  const keyed = `SELECT ${[`${key} AS _key`, ...fieldSelect, ...copies].join(', ')}\n    FROM ${dialect.quoteTable(spec.model)} AS ${MODEL_ROW}\n    WHERE ${conditions.join(' AND ')}`;
  return spec.skipDuplicateKeys ? `SELECT * FROM (${keyed}) keyed WHERE _copies = 1` : keyed;
}

function candidateKeysSelect(spec: DiffSpec, dialect: SqlDialect): string {
  const snapshot = dialect.quoteTable(spec.tables.snapshot);
  const columns = spec.fields.map((_field, i) => fieldColumn('f', i));
  const fingerprint = columns.length > 0 ? dialect.valuesFingerprint?.(columns) : undefined;

  let current = 'cur';
  let delivered = snapshot;
  let valuesDiffer = spec.fields.map((field, i) => distinctFrom(dialect, `c.${columns[i]}`, `s.${columns[i]}`, field.type));
  if (fingerprint) {
    // NOTE: a changed row whose new values have the same 64-bit fingerprint as the old ones would
    // go unseen. With a well-mixed hash that is roughly 1 chance in 2^64 per changed row.
    current = `(SELECT _key, ${fingerprint} AS _fingerprint FROM cur)`;
    delivered = `(SELECT _key, _hash, ${fingerprint} AS _fingerprint FROM ${snapshot})`;
    valuesDiffer = ['c._fingerprint <> s._fingerprint'];
  }
  // NOTE: values equal natively but different in canonical text, such as float -0.0 and 0.0,
  // are not seen as changed.
  const filter = spec.full ? '' : `\nWHERE ${['c._key IS NULL', 's._key IS NULL', 's._hash IS NULL', ...valuesDiffer].join(' OR ')}`;

  return `WITH cur AS (
  ${currentRowsSelect(spec, dialect)}
)
SELECT COALESCE(c._key, s._key) AS _key
FROM ${current} c FULL OUTER JOIN ${delivered} s ON c._key = s._key${filter}`;
}

function diffRowsSelect(spec: DiffSpec, dialect: SqlDialect): string {
  const snapshot = dialect.quoteTable(spec.tables.snapshot);
  const effective = spec.fields.map((field, i) => ({
    expr: effectiveValue(field, `c.${fieldColumn('f', i)}`, `s.${fieldColumn('f', i)}`),
    type: field.type,
  }));
  const newHash = rowHashExpression(dialect, effective);
  const oldHash = spec.full ? `CAST(NULL AS ${dialect.typeName('string')})` : 's._hash';
  const fieldPairs = spec.fields.flatMap((_field, i) => [
    `c.${fieldColumn('f', i)} AS ${fieldColumn('n', i)}`,
    `s.${fieldColumn('f', i)} AS ${fieldColumn('o', i)}`,
  ]);
  const joined = [
    'k._key AS _key',
    "CASE WHEN s._key IS NULL THEN 'added' WHEN c._key IS NULL THEN 'removed' ELSE 'changed' END AS _change",
    `CASE WHEN c._key IS NULL THEN NULL ELSE ${newHash} END AS _hash`,
    `${oldHash} AS _old_hash`,
    ...fieldPairs,
  ];

  return `WITH cur AS (
  ${currentRowsSelect(spec, dialect)}
),
joined AS (
  SELECT ${joined.join(',\n    ')}
  FROM ${dialect.quoteTable(spec.tables.diffKeys)} k
  LEFT JOIN cur c ON c._key = k._key
  LEFT JOIN ${snapshot} s ON s._key = k._key
)
SELECT joined.*,
  ${operationCase(spec, dialect)} AS _operation,
  FALSE AS _withheld
FROM joined
WHERE _change <> 'changed' OR _old_hash IS NULL OR _hash <> _old_hash`;
}

/**
 * `_seq` numbers the removed rows first, then the rest, each by key. Every mode maps removed
 * rows to one operation and the others to one more, so batches cut in `_seq` order hold one
 * operation each, and removals reach the destination before the adds of the same run.
 */
function numberedDiffSelect(spec: DiffSpec, dialect: SqlDialect): string {
  const rows = dialect.quoteTable(spec.tables.diffRows);
  const order = "CASE WHEN _change = 'removed' THEN 0 ELSE 1 END, _key";
  return `SELECT d.*, n._seq
FROM ${rows} d
JOIN (SELECT _key AS _numbered_key, row_number() OVER (ORDER BY ${order}) AS _seq FROM ${rows}) n
  ON n._numbered_key = d._key`;
}

function distinctFrom(dialect: SqlDialect, left: string, right: string, type: DiffField['type']): string {
  return dialect.isDistinctFrom?.(left, right, type) ?? `${left} IS DISTINCT FROM ${right}`;
}

/** Rows of the diff the destination must receive, in batch order. */
export function pendingSendsSql(spec: DiffSpec, dialect: SqlDialect, range?: { from: number; to: number }): string {
  const columns = ['_seq', '_key', '_change', '_operation', '_hash', '_old_hash'];
  spec.fields.forEach((_field, i) => columns.push(fieldColumn('n', i), fieldColumn('o', i)));
  const inRange = range ? ` AND _seq BETWEEN ${range.from} AND ${range.to}` : '';
  return `SELECT ${columns.join(', ')} FROM ${dialect.quoteTable(spec.tables.diff)}
WHERE _operation IS NOT NULL AND NOT _withheld${inRange}
ORDER BY _seq`;
}

/**
 * Statements that advance the snapshot to what the destination confirmed: rows sent in batches
 * up to `highWaterSeq` that are not in the failed table, plus rows that needed no send. Withheld
 * and unconfirmed rows keep their old snapshot state, so the next run retries them. With a
 * `range`, only diff rows whose `_seq` falls in it advance.
 */
export function commitSnapshotSql(
  spec: DiffSpec,
  dialect: SqlDialect,
  runId: string,
  highWaterSeq: number,
  range?: { from: number; to: number },
): string[] {
  const diff = dialect.quoteTable(spec.tables.diff);
  const snapshot = dialect.quoteTable(spec.tables.snapshot);
  const failed = dialect.quoteTable(spec.tables.failed);
  const inRange = range ? `d._seq BETWEEN ${range.from} AND ${range.to} AND ` : '';
  const confirmed = `${inRange}NOT d._withheld AND (d._operation IS NULL OR (d._seq <= ${highWaterSeq} AND NOT EXISTS (SELECT 1 FROM ${failed} x WHERE x._key = d._key)))`;

  const fieldColumns = spec.fields.map((_field, i) => fieldColumn('f', i));
  const effective = spec.fields.map((field, i) =>
    effectiveValue(field, `d.${fieldColumn('n', i)}`, `d.${fieldColumn('o', i)}`),
  );
  return [
    `DELETE FROM ${snapshot} WHERE _key IN (SELECT d._key FROM ${diff} d WHERE d._change <> 'added' AND ${confirmed})`,
    `INSERT INTO ${snapshot} (_key, _hash, _run_id, _synced_at${fieldColumns.map((c) => `, ${c}`).join('')})
SELECT d._key, d._hash, ${dialect.stringLiteral(runId)}, CURRENT_TIMESTAMP${effective.map((e) => `, ${e}`).join('')}
FROM ${diff} d WHERE d._change <> 'removed' AND ${confirmed}`,
  ];
}
