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
  /**
   * A 64-bit hash of several values, NULL counting as a value, that the diff compares to find
   * rows that may have changed. Optional: without it the diff compares the values themselves.
   */
  valuesFingerprint?(exprs: string[]): string;
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

  // String normalisation, regular expressions and statement forms for identity resolution.
  // Patterns are RE2 syntax (DuckDB and BigQuery use RE2), so config patterns should stay
  // within what RE2 and the other warehouses' engines share.

  /** Removes leading and trailing whitespace (spaces, tabs, line breaks), not only spaces. */
  trimWhitespace(expr: string): string;
  lowerText(expr: string): string;
  upperText(expr: string): string;
  /**
   * Unicode NFC normalisation of a text expression. Warehouses without such a function leave
   * it out, and the identity engine then normalises the distinct values in Node instead.
   */
  nfcNormalize?(expr: string): string;
  /** Replaces every match of `pattern` with the literal text `replacement`. */
  regexpReplaceAll(expr: string, pattern: string, replacement: string): string;
  /** True when `pattern` matches anywhere in the text (not anchored). */
  regexpContains(expr: string, pattern: string): string;
  /** The smallest of several non-NULL expressions. */
  least(exprs: string[]): string;
  /**
   * Aggregate returning `value` from the row of the group that sorts first by the `orderBy`
   * expressions, ascending, each later one breaking ties of the earlier. NULL in an `orderBy`
   * expression sorts last, and the expressions should give a total order so the result is
   * deterministic. Absent where the warehouse has no such aggregate over several keys; the
   * identity engine then ranks the rows with a window function instead.
   */
  argMin?(value: string, orderBy: string[]): string;
  /**
   * A window expression numbering a result's rows 1, 2, 3 and so on, in any order. Warehouses
   * that number rows without sorting them ignore `orderBy`; it is there for those whose
   * ROW_NUMBER requires an ORDER BY (Snowflake).
   */
  rowNumber(orderBy: string): string;
  /** A TIMESTAMP literal for a UTC instant given as ISO-8601 text. */
  timestampLiteral(iso: string): string;
  /** `CREATE TABLE IF NOT EXISTS` with the given column definitions. */
  createTableIfNotExists(ref: TableRef, columns: { name: string; type: string }[]): string;
  dropTableIfExists(ref: TableRef): string;

  // Functions that model templates call through helpers (models/sql-helpers.ts), for SQL that
  // has no form all warehouses accept. Arguments are SQL expressions.

  /** Whole days from `start` to `end`, both cast to DATE. Negative when `end` is earlier. */
  dateDiffDays(start: string, end: string): string;
  /** `date` cast to DATE, plus `days` (an integer expression, negative to subtract), as a DATE. */
  dateAddDays(date: string, days: string): string;
  /**
   * A timestamp plus `days` (an integer expression, negative to subtract), of the timestamp's type.
   * On BigQuery `timestamp` must be a TIMESTAMP, not a DATETIME.
   */
  timestampAddDays(timestamp: string, days: string): string;
  /**
   * Aggregate returning `value` from the row with the greatest `key`, among the rows where
   * `condition` (if given) is true and neither `value` nor `key` is NULL. NULL when no row
   * qualifies. Between rows that tie on `key`, any one may be chosen.
   */
  maxBy(value: string, key: string, condition?: string): string;
  /**
   * Window expression: the continuous percentile (linear interpolation, as PERCENTILE_CONT) of
   * `expr` at `fraction` (0 to 1) over the whole result, or over each partition of `partitionBy`.
   */
  percentileCont(expr: string, fraction: number, partitionBy?: string): string;
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
