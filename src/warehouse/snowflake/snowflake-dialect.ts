import type { LogicalType } from '../../core/values.js';
import type { SqlDialect } from '../dialect.js';
import type { TableRef } from '../table-ref.js';
import { floatCanonicalText } from './snowflake-float-text.js';
import { snowflakeName } from './snowflake-identifiers.js';

const TYPE_NAMES: Record<LogicalType, string> = {
  string: 'VARCHAR',
  integer: 'NUMBER(38,0)',
  decimal: 'NUMBER(38,9)',
  float: 'FLOAT',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP_NTZ',
  date: 'DATE',
  json: 'VARIANT',
  other: 'VARCHAR',
};

/**
 * The canonical timestamp text, `2011-12-09T12:50:00.000000Z`, without its final Z, as a
 * Snowflake format. The Z is appended rather than quoted in the format because fakesnow copies a
 * quoted "Z" through with its quotes.
 */
const TIMESTAMP_FORMAT = `'YYYY-MM-DD"T"HH24:MI:SS.FF6'`;

/** Snowflake SQL. */
export const snowflakeDialect: SqlDialect = {
  quoteIdentifier(name) {
    return `"${snowflakeName(name).replaceAll('"', '""')}"`;
  },

  quoteTable(ref: TableRef) {
    const name = this.quoteIdentifier(ref.name);
    return ref.schema ? `${this.quoteIdentifier(ref.schema)}.${name}` : name;
  },

  stringLiteral(value) {
    // A backslash starts an escape sequence in Snowflake string literals, so it is doubled too.
    return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  },

  typeName(type) {
    return TYPE_NAMES[type];
  },

  canonicalText(expr, type) {
    switch (type) {
      case 'decimal': {
        // NUMBER(10,2) prints 12.50; canonical text drops trailing fractional zeros (12.5). A
        // regular expression does the trimming because fakesnow ignores RTRIM's second argument.
        const text = `TO_VARCHAR(${expr})`;
        return `CASE WHEN CONTAINS(${text}, '.') THEN REGEXP_REPLACE(${text}, '[.]?0+$', '') ELSE ${text} END`;
      }
      case 'float':
        return floatCanonicalText(expr);
      case 'json':
        // NOTE: TO_JSON writes object keys in Snowflake's stored order, which need not be the
        // order DuckDB keeps, so hashes of JSON objects can differ between the two.
        return `TO_JSON(${expr})`;
      case 'boolean':
        return `CASE WHEN ${expr} IS NULL THEN NULL WHEN ${expr} THEN 'true' ELSE 'false' END`;
      case 'timestamp':
        // CONVERT_TIMEZONE moves TIMESTAMP_TZ and LTZ values to UTC before the offset is dropped.
        // A TIMESTAMP_NTZ value is read in the time zone the adapter sends with every statement, UTC.
        return `(TO_CHAR(CONVERT_TIMEZONE('UTC', ${expr})::TIMESTAMP_NTZ, ${TIMESTAMP_FORMAT}) || 'Z')`;
      case 'date':
        return `TO_CHAR(${expr}::DATE, 'YYYY-MM-DD')`;
      default:
        return `TO_VARCHAR(${expr})`;
    }
  },

  md5Hex(expr) {
    return `MD5(${expr})`;
  },

  concatText(parts) {
    // CONCAT returns NULL when any argument is NULL, so each non-literal part is defaulted.
    const safeParts = parts.map((part) => (/^'([^']|'')*'$/.test(part) ? part : `COALESCE(${part}, '')`));
    return `CONCAT(${safeParts.join(', ')})`;
  },

  valuesFingerprint(exprs) {
    // HASH takes any number of values of any type, NULL included, and returns a 64-bit integer.
    return `HASH(${exprs.join(', ')})`;
  },

  textLength(expr) {
    return `LENGTH(${expr})`;
  },

  createTableAs(ref, select) {
    return `CREATE OR REPLACE TABLE ${this.quoteTable(ref)} AS\n${select}`;
  },

  statementTag(tag) {
    // "*/" would end the comment early, so only characters that cannot form it are kept.
    return `/* sluice ${tag.replace(/[^A-Za-z0-9 _.:=-]/g, '_')} */ `;
  },

  trimWhitespace(expr) {
    return `REGEXP_REPLACE(${expr}, ${this.stringLiteral('^\\s+|\\s+$')}, '')`;
  },

  lowerText(expr) {
    return `LOWER(${expr})`;
  },

  upperText(expr) {
    return `UPPER(${expr})`;
  },

  // Snowflake has no NFC normalisation function, so the identity engine normalises in Node.

  regexpReplaceAll(expr, pattern, replacement) {
    // A backslash in the replacement starts a group reference (\1), so it is doubled.
    const literal = this.stringLiteral(replacement.replaceAll('\\', '\\\\'));
    return `REGEXP_REPLACE(${expr}, ${this.stringLiteral(pattern)}, ${literal})`;
  },

  regexpContains(expr, pattern) {
    // REGEXP_LIKE must match the whole text, but REGEXP_INSTR finds a match anywhere.
    return `(REGEXP_INSTR(${expr}, ${this.stringLiteral(pattern)}) > 0)`;
  },

  rowNumber(orderBy) {
    // Snowflake's ROW_NUMBER requires an ORDER BY.
    return `row_number() OVER (ORDER BY ${orderBy})`;
  },

  least(exprs) {
    return exprs.length === 1 ? exprs[0]! : `LEAST(${exprs.join(', ')})`;
  },

  timestampLiteral(iso) {
    const text = iso.replace('T', ' ').replace(/Z$/, '');
    return `CAST(${this.stringLiteral(text)} AS TIMESTAMP_NTZ)`;
  },

  createTableIfNotExists(ref, columns) {
    const definitions = columns.map((column) => `${this.quoteIdentifier(column.name)} ${column.type}`);
    return `CREATE TABLE IF NOT EXISTS ${this.quoteTable(ref)} (${definitions.join(', ')})`;
  },

  dropTableIfExists(ref) {
    return `DROP TABLE IF EXISTS ${this.quoteTable(ref)}`;
  },

  dateDiffDays(start, end) {
    return `DATEDIFF(day, CAST(${start} AS DATE), CAST(${end} AS DATE))`;
  },

  dateAddDays(date, days) {
    return `DATEADD(day, ${days}, CAST(${date} AS DATE))`;
  },

  timestampAddDays(timestamp, days) {
    return `DATEADD(day, ${days}, ${timestamp})`;
  },

  maxBy(value, key, condition) {
    // Rows whose value is NULL, and rows failing the condition, get a NULL key, so that MAX_BY
    // passes over them and cannot return a NULL value while another row has one.
    // NOTE: that MAX_BY skips NULL keys is checked on fakesnow (DuckDB's arg_max) only.
    const qualifies = [condition === undefined ? undefined : `(${condition})`, `${value} IS NOT NULL`];
    return `MAX_BY(${value}, IFF(${qualifies.filter(Boolean).join(' AND ')}, ${key}, NULL))`;
  },

  percentileCont(expr, fraction, partitionBy) {
    const over = partitionBy === undefined ? '' : `PARTITION BY ${partitionBy}`;
    return `PERCENTILE_CONT(${fraction}) WITHIN GROUP (ORDER BY ${expr}) OVER (${over})`;
  },
};
