import type { LogicalType } from '../core/values.js';
import type { TableRef } from './table-ref.js';

/**
 * SQL that differs between warehouses. The model, diff and identity engines build every
 * statement through a dialect, so they never branch on the warehouse's name.
 */
export interface SqlDialect {
  /** Quotes one identifier, escaping the quote character by doubling it. Always quotes. */
  quoteIdentifier(name: string): string;
  /** Quotes each part of a table reference. */
  quoteTable(ref: TableRef): string;
  /** A string literal with the dialect's escaping. */
  stringLiteral(value: string): string;
  /** The native type name for a logical type, used when Sluice creates tables. */
  typeName(type: LogicalType): string;
  /**
   * An expression giving the canonical text of `expr`, or NULL when it is NULL. Canonical text
   * is identical on every warehouse for the same value, so hashes of it match everywhere.
   */
  canonicalText(expr: string, type: LogicalType): string;
  /** Lower-case hexadecimal MD5 of a text expression. */
  md5Hex(expr: string): string;
  /** Concatenation of text expressions; a NULL argument must not make the result NULL. */
  concatText(parts: string[]): string;
  /**
   * A condition that is true when two values of a logical type differ, NULL counting as a value.
   * Optional: without it the engines use `IS DISTINCT FROM`.
   */
  isDistinctFrom?(left: string, right: string, type: LogicalType): string;
  /** Length of a text expression in characters. */
  textLength(expr: string): string;
  /** `CREATE OR REPLACE TABLE ... AS` for the dialect. */
  createTableAs(ref: TableRef, select: string): string;
  /**
   * A table expression reading a local file, on warehouses whose capabilities include
   * `readsLocalFiles`. `path` is relative to the project folder.
   */
  readFile?(path: string, format: 'csv' | 'parquet' | 'json'): string;
  /** A comment carrying the run id, put before statements so they show in query history. */
  statementTag(tag: string): string;
}

/**
 * Builds a hash over several columns that is equal on every warehouse for equal canonical values.
 * Each part is length-prefixed, so ("ab", "c") and ("a", "bc") hash differently, and NULL has its
 * own marker that no length prefix can produce.
 */
export function rowHashExpression(
  dialect: SqlDialect,
  columns: { expr: string; type: LogicalType }[],
): string {
  const parts = columns.flatMap(({ expr, type }) => {
    const text = dialect.canonicalText(expr, type);
    const lengthPrefix = `CAST(${dialect.textLength(text)} AS ${dialect.typeName('string')})`;
    return [
      `CASE WHEN ${text} IS NULL THEN '~' ELSE ${dialect.concatText([lengthPrefix, "':'", text])} END`,
    ];
  });
  return dialect.md5Hex(dialect.concatText(parts.length > 0 ? parts : ["''"]));
}
