/**
 * SQL for the Postgres destination. Identifiers are always quoted, with embedded quotes doubled,
 * and values are never inlined. A batch is one bound parameter: a JSON array with one array of
 * values per row, read back through jsonb_array_elements WITH ORDINALITY. So a statement has one
 * parameter whatever the batch size (Postgres allows 65535 per statement), and each result row
 * can return the batch position it came from.
 */

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface TableName {
  schema: string;
  table: string;
}

export function qualifiedName(name: TableName): string {
  return `${quoteIdentifier(name.schema)}.${quoteIdentifier(name.table)}`;
}

/** A column a statement writes or matches, with its type as `format_type` prints it. */
export interface ColumnSpec {
  name: string;
  type: string;
}

/**
 * Returns a subquery `src` with columns `o` (1-based batch position) and `c0`, `c1`, ... cast to
 * the column types. The aliases are generated, so field names never clash with them. JSON null
 * becomes SQL NULL, also for json and jsonb columns.
 */
function sourceRelation(columns: ColumnSpec[]): string {
  const casts = columns.map((column, index) => `${castElement(index, column.type)} AS c${index}`);
  return (
    `(SELECT e.n AS o, ${casts.join(', ')} ` +
    'FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS e(doc, n)) AS src'
  );
}

/**
 * `type` comes from the catalog's format_type or from Sluice's own type names, never from
 * config, so it is safe to splice.
 */
function castElement(index: number, type: string): string {
  if (type === 'jsonb') return `NULLIF(e.doc -> ${index}, 'null'::jsonb)`;
  if (type === 'json') return `NULLIF(e.doc -> ${index}, 'null'::jsonb)::json`;
  return `(e.doc ->> ${index})::${type}`;
}

function keyMatch(keyColumns: ColumnSpec[]): string {
  return keyColumns
    .map((column, index) => `target.${quoteIdentifier(column.name)} = src.c${index}`)
    .join(' AND ');
}

function sourceColumns(columns: ColumnSpec[]): string {
  return columns.map((_column, index) => `src.c${index}`).join(', ');
}

function columnList(columns: ColumnSpec[]): string {
  return columns.map((column) => quoteIdentifier(column.name)).join(', ');
}

/**
 * Inserts or updates by key. `columns` start with the `keyCount` key columns. A table whose key
 * columns have no unique index fails here, which is why the destination checks for one first.
 */
export function upsertStatement(table: TableName, columns: ColumnSpec[], keyCount: number): string {
  const keys = columns.slice(0, keyCount);
  const others = columns.slice(keyCount);
  const insert =
    `INSERT INTO ${qualifiedName(table)} (${columnList(columns)}) ` +
    `SELECT ${sourceColumns(columns)} FROM ${sourceRelation(columns)} ` +
    `ON CONFLICT (${columnList(keys)}) `;
  if (others.length === 0) return `${insert}DO NOTHING`;

  const updates = others.map((column) => {
    const name = quoteIdentifier(column.name);
    return `${name} = EXCLUDED.${name}`;
  });
  return `${insert}DO UPDATE SET ${updates.join(', ')}`;
}

/** Inserts rows whose key is new; an existing key is left alone, so a repeat changes nothing. */
export function insertStatement(table: TableName, columns: ColumnSpec[], keyCount: number): string {
  return (
    `INSERT INTO ${qualifiedName(table)} (${columnList(columns)}) ` +
    `SELECT ${sourceColumns(columns)} FROM ${sourceRelation(columns)} ` +
    `ON CONFLICT (${columnList(columns.slice(0, keyCount))}) DO NOTHING`
  );
}

/** Updates existing rows by key and returns `o` for each batch position that matched a row. */
export function updateStatement(table: TableName, columns: ColumnSpec[], keyCount: number): string {
  const keys = columns.slice(0, keyCount);
  const assignments = columns
    .slice(keyCount)
    .map((column, index) => `${quoteIdentifier(column.name)} = src.c${keyCount + index}`);

  if (assignments.length === 0) {
    return (
      `SELECT DISTINCT src.o FROM ${sourceRelation(columns)} ` +
      `JOIN ${qualifiedName(table)} AS target ON ${keyMatch(keys)}`
    );
  }
  return (
    `UPDATE ${qualifiedName(table)} AS target SET ${assignments.join(', ')} ` +
    `FROM ${sourceRelation(columns)} WHERE ${keyMatch(keys)} RETURNING src.o`
  );
}

/** Deletes rows by key; `columns` are the key columns only. A missing row is not an error. */
export function deleteStatement(table: TableName, columns: ColumnSpec[]): string {
  return (
    `DELETE FROM ${qualifiedName(table)} AS target ` +
    `USING ${sourceRelation(columns)} WHERE ${keyMatch(columns)}`
  );
}

export function createTableStatement(
  table: TableName,
  columns: ColumnSpec[],
  keyCount: number,
): string {
  const definitions = columns.map((column) => `${quoteIdentifier(column.name)} ${column.type}`);
  const primaryKey = `PRIMARY KEY (${columnList(columns.slice(0, keyCount))})`;
  const body = [...definitions, primaryKey].join(', ');
  return `CREATE TABLE IF NOT EXISTS ${qualifiedName(table)} (${body})`;
}

export function addColumnStatement(table: TableName, column: ColumnSpec): string {
  return (
    `ALTER TABLE ${qualifiedName(table)} ` +
    `ADD COLUMN IF NOT EXISTS ${quoteIdentifier(column.name)} ${column.type}`
  );
}

/** Columns of a table or partitioned table, in order; no rows when it does not exist. */
export const TABLE_COLUMNS_QUERY = `
  SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_catalog.pg_attribute a
  JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND c.relname = $2 AND c.relkind IN ('r', 'p')
    AND a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attnum`;

/**
 * Column sets of the table's unique indexes that ON CONFLICT can use: no partial and no
 * expression indexes.
 */
export const UNIQUE_KEYS_QUERY = `
  SELECT ARRAY(
    SELECT a.attname::text
    FROM unnest(i.indkey) AS k(attnum)
    JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
  ) AS columns
  FROM pg_catalog.pg_index i
  JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
  JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = $1 AND c.relname = $2
    AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL`;
