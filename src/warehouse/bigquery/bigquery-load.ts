import type { CanonicalValue, LogicalType, Row } from '../../core/values.js';
import type { SqlDialect } from '../dialect.js';
import type { TableRef } from '../table-ref.js';

/**
 * BigQuery rejects a query longer than 1,024K characters. Rows are split into INSERT statements
 * of at most this length, which leaves room for the statement tag.
 */
const MAX_STATEMENT_LENGTH = 900_000;

export interface LoadColumn {
  name: string;
  type: LogicalType;
}

/**
 * Builds INSERT statements that load rows with exact values: every value is a text literal cast
 * to its column's type, so big integers, decimals and microsecond timestamps keep every digit.
 * DML rather than the streaming API, because rows in BigQuery's streaming buffer cannot be
 * updated or deleted for a while, and the engine deletes from these tables in the same run.
 */
export function insertStatements(dialect: SqlDialect, table: TableRef, columns: LoadColumn[], rows: Row[]): string[] {
  const head = `INSERT INTO ${dialect.quoteTable(table)} (${columns.map((c) => dialect.quoteIdentifier(c.name)).join(', ')}) VALUES\n`;
  const statements: string[] = [];
  let tuples: string[] = [];
  let length = head.length;

  for (const row of rows) {
    const tuple = `(${columns.map((column) => valueLiteral(dialect, row[column.name] ?? null, column.type)).join(', ')})`;
    if (tuples.length > 0 && length + tuple.length + 2 > MAX_STATEMENT_LENGTH) {
      statements.push(head + tuples.join(',\n'));
      tuples = [];
      length = head.length;
    }
    tuples.push(tuple);
    length += tuple.length + 2;
  }
  if (tuples.length > 0) statements.push(head + tuples.join(',\n'));
  return statements;
}

/** Builds a GoogleSQL literal of `type` for a canonical value. */
export function valueLiteral(dialect: SqlDialect, value: CanonicalValue, type: LogicalType): string {
  const typeName = dialect.typeName(type);
  if (value === null) return `CAST(NULL AS ${typeName})`;

  switch (type) {
    case 'boolean':
      return value === true || value === 'true' ? 'TRUE' : 'FALSE';
    case 'json':
      return `PARSE_JSON(${dialect.stringLiteral(JSON.stringify(value))})`;
    case 'timestamp':
      // Canonical `2024-03-01T12:34:56.123456Z` as BigQuery's canonical `2024-03-01 12:34:56.123456+00`.
      return `CAST(${dialect.stringLiteral(String(value).replace('T', ' ').replace(/Z$/, '+00'))} AS ${typeName})`;
    case 'integer':
    case 'decimal':
    case 'float':
    case 'date':
      return `CAST(${dialect.stringLiteral(String(value))} AS ${typeName})`;
    default:
      return dialect.stringLiteral(typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}
