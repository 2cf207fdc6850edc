import type { LogicalType } from '../../core/values.js';
import type { SqlDialect } from '../dialect.js';
import type { TableRef } from '../table-ref.js';

const TYPE_NAMES: Record<LogicalType, string> = {
  string: 'STRING',
  integer: 'INT64',
  // NUMERIC has the precision and scale of DuckDB's DECIMAL(38,9), so a decimal loaded into
  // either warehouse rounds the same way.
  decimal: 'NUMERIC',
  float: 'FLOAT64',
  boolean: 'BOOL',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  json: 'JSON',
  other: 'STRING',
};

/** Escapes that GoogleSQL string literals and quoted identifiers share. */
const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  "'": "\\'",
  '`': '\\`',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
};

/**
 * Escapes `text` for a GoogleSQL quoted literal or identifier. A backslash starts an escape in
 * both, so `\` and the quote character are escaped with one. Other control characters become
 * `\uXXXX`, because a single-quoted literal cannot span lines.
 */
function escapeQuoted(text: string, quote: "'" | '`'): string {
  return text.replace(/[\\'`\u0000-\u001f\u007f]/g, (char) => {
    if (char === "'" && quote === '`') return char;
    if (char === '`' && quote === "'") return char;
    return ESCAPES[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
  });
}

/**
 * Writes a RE2 pattern as a plain literal with every backslash escaped, because a raw literal
 * (r'...') cannot contain its own quote character.
 */
function patternLiteral(pattern: string): string {
  return `'${escapeQuoted(pattern, "'")}'`;
}

/** GoogleSQL, the SQL of BigQuery. */
export const bigqueryDialect: SqlDialect = {
  quoteIdentifier(name) {
    return `\`${escapeQuoted(name, '`')}\``;
  },

  quoteTable(ref: TableRef) {
    const name = this.quoteIdentifier(ref.name);
    return ref.schema ? `${this.quoteIdentifier(ref.schema)}.${name}` : name;
  },

  stringLiteral(value) {
    return `'${escapeQuoted(value, "'")}'`;
  },

  typeName(type) {
    return TYPE_NAMES[type];
  },

  canonicalText(expr, type) {
    switch (type) {
      case 'decimal': {
        // Real BigQuery prints NUMERIC 12.50 as 12.5 and BIGNUMERIC without an exponent. The
        // emulator prints trailing zeros, which the trim removes.
        const text = `CAST(${expr} AS STRING)`;
        return `CASE WHEN STRPOS(${text}, '.') > 0 THEN RTRIM(RTRIM(${text}, '0'), '.') ELSE ${text} END`;
      }
      case 'float':
        return floatText(expr);
      case 'json':
        // TO_JSON_STRING prints JSON, STRUCT and ARRAY values compactly.
        // NOTE: BigQuery may keep object keys in another order than DuckDB does, and nested
        // INT64 and NUMERIC values print as JSON numbers, so hashes of such values can differ
        // between warehouses.
        return `TO_JSON_STRING(${expr})`;
      case 'boolean':
        return `CASE WHEN ${expr} IS NULL THEN NULL WHEN ${expr} THEN 'true' ELSE 'false' END`;
      case 'timestamp':
        return timestampText(`CAST(${expr} AS TIMESTAMP)`);
      case 'date':
        // CAST prints the canonical YYYY-MM-DD; FORMAT_DATE('%Y') does not pad years below 1000
        // on every engine.
        return `CAST(CAST(${expr} AS DATE) AS STRING)`;
      default:
        return `CAST(${expr} AS STRING)`;
    }
  },

  md5Hex(expr) {
    return `TO_HEX(MD5(${expr}))`;
  },

  concatText(parts) {
    // CONCAT returns NULL when any argument is NULL, so each part but a string literal is coalesced.
    const texts = parts.map((part) => (/^'(?:[^'\\]|\\.)*'$/.test(part) ? part : `COALESCE(${part}, '')`));
    return `CONCAT(${texts.join(', ')})`;
  },

  isDistinctFrom(left, right, type) {
    // JSON and ARRAY values support no comparison, so they are compared as JSON text.
    if (type === 'json') return `TO_JSON_STRING(${left}) IS DISTINCT FROM TO_JSON_STRING(${right})`;
    return `${left} IS DISTINCT FROM ${right}`;
  },

  textLength(expr) {
    // CHAR_LENGTH counts characters (code points) of a STRING, as DuckDB's length does.
    return `CHAR_LENGTH(${expr})`;
  },

  createTableAs(ref, select) {
    return `CREATE OR REPLACE TABLE ${this.quoteTable(ref)} AS\n${select}`;
  },

  statementTag(tag) {
    // Only characters that cannot end a block comment are kept.
    return `/* sluice ${tag.replace(/[^A-Za-z0-9 _.:=-]/g, '_')} */ `;
  },

  trimWhitespace(expr) {
    return `REGEXP_REPLACE(${expr}, r'^\\s+|\\s+$', '')`;
  },

  lowerText(expr) {
    return `LOWER(${expr})`;
  },

  upperText(expr) {
    return `UPPER(${expr})`;
  },

  nfcNormalize(expr) {
    return `NORMALIZE(${expr}, NFC)`;
  },

  regexpReplaceAll(expr, pattern, replacement) {
    // A backslash in REGEXP_REPLACE's replacement text starts a group reference, so it is doubled.
    const literal = this.stringLiteral(replacement.replaceAll('\\', '\\\\'));
    return `REGEXP_REPLACE(${expr}, ${patternLiteral(pattern)}, ${literal})`;
  },

  regexpContains(expr, pattern) {
    return `REGEXP_CONTAINS(${expr}, ${patternLiteral(pattern)})`;
  },

  rowNumber() {
    return 'row_number() OVER ()';
  },

  least(exprs) {
    return exprs.length === 1 ? exprs[0]! : `LEAST(${exprs.join(', ')})`;
  },

  timestampLiteral(iso) {
    return `TIMESTAMP ${this.stringLiteral(iso.replace('T', ' ').replace(/Z$/, '+00'))}`;
  },

  createTableIfNotExists(ref, columns) {
    const definitions = columns.map((column) => `${this.quoteIdentifier(column.name)} ${column.type}`);
    return `CREATE TABLE IF NOT EXISTS ${this.quoteTable(ref)} (${definitions.join(', ')})`;
  },

  dropTableIfExists(ref) {
    return `DROP TABLE IF EXISTS ${this.quoteTable(ref)}`;
  },

  dateDiffDays(start, end) {
    return `DATE_DIFF(CAST(${end} AS DATE), CAST(${start} AS DATE), DAY)`;
  },

  dateAddDays(date, days) {
    return `DATE_ADD(CAST(${date} AS DATE), INTERVAL ${days} DAY)`;
  },

  timestampAddDays(timestamp, days) {
    return `TIMESTAMP_ADD(${timestamp}, INTERVAL ${days} DAY)`;
  },

  maxBy(value, key, condition) {
    return maxByAggregate(value, key, condition);
  },

  percentileCont(expr, fraction, partitionBy) {
    // BigQuery has PERCENTILE_CONT only as a window function.
    const over = partitionBy === undefined ? '' : `PARTITION BY ${partitionBy}`;
    return `PERCENTILE_CONT(${expr}, ${fraction}) OVER (${over})`;
  },
};

/**
 * Canonical text of a TIMESTAMP: `YYYY-MM-DDTHH:MM:SS.ffffffZ` in UTC. The fraction comes from
 * UNIX_MICROS rather than the `%E6S` format element, which the emulator does not support, and
 * the double MOD keeps it positive before 1970.
 */
function timestampText(timestamp: string): string {
  const seconds = `FORMAT_TIMESTAMP('%Y-%m-%dT%H:%M:%S', ${timestamp}, 'UTC')`;
  const micros = `MOD(MOD(UNIX_MICROS(${timestamp}), 1000000) + 1000000, 1000000)`;
  return `CONCAT(${seconds}, '.', LPAD(CAST(${micros} AS STRING), 6, '0'), 'Z')`;
}

/**
 * Canonical text of a FLOAT64 is JavaScript's String(number): 3, 0.1, 1e-7, 1e+21, NaN.
 * TO_JSON_STRING prints the shortest round-trip digits; the rewrites drop a trailing ".0" and
 * give the exponent JavaScript's form (sign always, no leading zeros).
 * NOTE: the magnitudes at which real BigQuery switches to exponent notation are not verified
 * against JavaScript's (1e-7 and 1e21); the emulator prints as DuckDB does.
 */
function floatText(expr: string): string {
  const value = `CAST(${expr} AS FLOAT64)`;
  const json = `TO_JSON_STRING(${value})`;
  const positiveExponent = `REGEXP_REPLACE(${json}, r'e\\+?0*([0-9])', 'e+\\\\1')`;
  const exponent = `REGEXP_REPLACE(${positiveExponent}, r'e-0*([0-9])', 'e-\\\\1')`;
  const integral = `REGEXP_REPLACE(${exponent}, r'\\.0(e|$)', '\\\\1')`;
  const finite = `REGEXP_REPLACE(${integral}, r'^-0$', '0')`;
  return (
    `CASE WHEN ${value} IS NULL THEN NULL WHEN IS_NAN(${value}) THEN 'NaN' ` +
    `WHEN IS_INF(${value}) THEN IF(${value} > 0, 'Infinity', '-Infinity') ELSE ${finite} END`
  );
}

/**
 * MAX_BY as ARRAY_AGG ordered by the key, descending, limited to one element. BigQuery's own
 * MAX_BY is ANY_VALUE(value HAVING MAX key), which keeps only the rows with the greatest key
 * before it picks a value, so it returns NULL when that row's value is NULL. Rows that do not qualify get a NULL key, and BigQuery sorts NULL last in a
 * descending sort, so the first element is a qualifying row's value whenever there is one.
 * IGNORE NULLS would drop them more plainly, but the emulator rejects it beside ORDER BY and LIMIT.
 */
function maxByAggregate(value: string, key: string, condition: string | undefined): string {
  const checks = [condition === undefined ? undefined : `(${condition})`, `${value} IS NOT NULL`, `${key} IS NOT NULL`];
  const qualifies = checks.filter(Boolean).join(' AND ');
  return `ARRAY_AGG(IF(${qualifies}, ${value}, NULL) ORDER BY IF(${qualifies}, ${key}, NULL) DESC LIMIT 1)[SAFE_OFFSET(0)]`;
}
