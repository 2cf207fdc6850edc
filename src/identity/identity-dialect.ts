import type { SqlDialect } from '../warehouse/dialect.js';
import { bigqueryDialect } from '../warehouse/bigquery/bigquery-dialect.js';
import { duckdbDialect } from '../warehouse/duckdb/duckdb-dialect.js';
import type { TableRef } from '../warehouse/table-ref.js';
import { IdentityError } from './identity-error.js';

/**
 * SQL the identity engine needs beyond `SqlDialect`: string normalisation, regular expressions
 * and a few statement forms. It is written as an extension so that it can move into
 * `SqlDialect` unchanged. Patterns are RE2 syntax (DuckDB and BigQuery use RE2), so config
 * patterns should stay within what RE2 and the other warehouses' engines share.
 */
export interface IdentityDialectExtension {
  /** Removes leading and trailing whitespace (spaces, tabs, line breaks), not only spaces. */
  trimWhitespace(expr: string): string;
  lowerText(expr: string): string;
  upperText(expr: string): string;
  /**
   * Unicode NFC normalisation of a text expression. Absent on warehouses without such a
   * function; the engine then normalises the distinct values in Node instead.
   */
  nfcNormalize?(expr: string): string;
  /** Replaces every match of `pattern` with the literal text `replacement`. */
  regexpReplaceAll(expr: string, pattern: string, replacement: string): string;
  /** True when `pattern` matches anywhere in the text (not anchored). */
  regexpContains(expr: string, pattern: string): string;
  /** The smallest of several non-NULL expressions. */
  least(exprs: string[]): string;
  /** A TIMESTAMP literal for a UTC instant given as ISO-8601 text. */
  timestampLiteral(iso: string): string;
  /** `CREATE TABLE IF NOT EXISTS` with the given column definitions. */
  createTableIfNotExists(ref: TableRef, columns: { name: string; type: string }[]): string;
  dropTableIfExists(ref: TableRef): string;
}

/** A dialect with the identity extension, as the identity engine uses it. */
export type IdentityDialect = SqlDialect & IdentityDialectExtension;

export const duckdbIdentityExtension: IdentityDialectExtension = {
  trimWhitespace(expr) {
    return `regexp_replace(${expr}, '^\\s+|\\s+$', '', 'g')`;
  },

  lowerText(expr) {
    return `lower(${expr})`;
  },

  upperText(expr) {
    return `upper(${expr})`;
  },

  nfcNormalize(expr) {
    return `nfc_normalize(${expr})`;
  },

  regexpReplaceAll(expr, pattern, replacement) {
    // A backslash in DuckDB's replacement text starts a group reference, so it is doubled.
    const literal = duckdbDialect.stringLiteral(replacement.replaceAll('\\', '\\\\'));
    return `regexp_replace(${expr}, ${duckdbDialect.stringLiteral(pattern)}, ${literal}, 'g')`;
  },

  regexpContains(expr, pattern) {
    return `regexp_matches(${expr}, ${duckdbDialect.stringLiteral(pattern)})`;
  },

  least(exprs) {
    return exprs.length === 1 ? exprs[0]! : `least(${exprs.join(', ')})`;
  },

  timestampLiteral(iso) {
    const text = iso.replace('T', ' ').replace(/Z$/, '');
    return `CAST(${duckdbDialect.stringLiteral(text)} AS TIMESTAMP)`;
  },

  createTableIfNotExists(ref, columns) {
    const definitions = columns.map((column) => `${duckdbDialect.quoteIdentifier(column.name)} ${column.type}`);
    return `CREATE TABLE IF NOT EXISTS ${duckdbDialect.quoteTable(ref)} (${definitions.join(', ')})`;
  },

  dropTableIfExists(ref) {
    return `DROP TABLE IF EXISTS ${duckdbDialect.quoteTable(ref)}`;
  },
};

/** Extensions by the dialect object they extend. */
const EXTENSIONS = new Map<SqlDialect, IdentityDialectExtension>([
  [duckdbDialect, duckdbIdentityExtension],
  [bigqueryDialect, bigqueryDialect],
]);

/**
 * Returns the warehouse's dialect combined with its identity extension. Raises when the
 * dialect has none, which means the identity engine does not support that warehouse yet.
 */
export function identityDialectFor(dialect: SqlDialect): IdentityDialect {
  const extension = EXTENSIONS.get(dialect);
  if (extension === undefined) {
    throw new IdentityError(
      'The warehouse SQL dialect has no identity functions (normalisation, regular expressions), ' +
        'so identity resolution cannot run on it. Add an IdentityDialectExtension for it in src/identity/identity-dialect.ts.',
    );
  }
  return withExtension(dialect, extension);
}

/**
 * Combines a dialect with an extension; tests use it to run without optional functions. The
 * result inherits from the dialect, so its methods keep working when they call each other
 * through `this`, whether the dialect is a plain object or a class instance.
 */
export function withExtension(dialect: SqlDialect, extension: IdentityDialectExtension): IdentityDialect {
  return Object.assign(Object.create(dialect) as SqlDialect, extension);
}
