import type { LogicalType } from '../../core/values.js';
import type { SqlDialect } from '../dialect.js';
import type { TableRef } from '../table-ref.js';

const TYPE_NAMES: Record<LogicalType, string> = {
  string: 'VARCHAR',
  integer: 'BIGINT',
  decimal: 'DECIMAL(38,9)',
  float: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  json: 'JSON',
  other: 'VARCHAR',
};

export const duckdbDialect: SqlDialect = {
  quoteIdentifier(name) {
    return `"${name.replaceAll('"', '""')}"`;
  },

  quoteTable(ref: TableRef) {
    const name = this.quoteIdentifier(ref.name);
    return ref.schema ? `${this.quoteIdentifier(ref.schema)}.${name}` : name;
  },

  stringLiteral(value) {
    return `'${value.replaceAll("'", "''")}'`;
  },

  typeName(type) {
    return TYPE_NAMES[type];
  },

  canonicalText(expr, type) {
    switch (type) {
      case 'decimal': {
        // DECIMAL(10,2) prints 12.50; canonical text drops trailing fractional zeros (12.5).
        const text = `CAST(${expr} AS VARCHAR)`;
        return `CASE WHEN strpos(${text}, '.') > 0 THEN rtrim(rtrim(${text}, '0'), '.') ELSE ${text} END`;
      }
      case 'float': {
        // Canonical text of a float is JavaScript's String(number): 3, 1e-7, 1e+21. CAST AS
        // VARCHAR prints 3.0 and 1e-07. to_json prints the same shortest digits as JavaScript
        // and switches to exponents at the same bounds (1e-6 and 1e21), so only a trailing
        // ".0", "-0" and the exponent's plus sign need fixing. canonical-values.test.ts checks
        // this over doubles of every magnitude.
        const json = `CAST(to_json(CAST(${expr} AS DOUBLE)) AS VARCHAR)`;
        const integral = `regexp_replace(${json}, '^(-?[0-9]+)\\.0$', '\\1')`;
        return `regexp_replace(regexp_replace(${integral}, '^-0$', '0'), 'e([0-9])', 'e+\\1')`;
      }
      case 'json':
        // json() parses and prints compactly, so whitespace and STRUCT/LIST syntax do not count.
        // NOTE: nested decimals and integers print as JSON numbers here, while canonical values
        // keep them as exact strings, so hashes of such nested values differ from Node's form.
        return `CAST(json(${expr}) AS VARCHAR)`;
      case 'boolean':
        return `CASE WHEN ${expr} IS NULL THEN NULL WHEN ${expr} THEN 'true' ELSE 'false' END`;
      case 'timestamp':
        // The session time zone is UTC (set on connect), so TIMESTAMPTZ values print as UTC.
        return `strftime(CAST(${expr} AS TIMESTAMP), '%Y-%m-%dT%H:%M:%S.%fZ')`;
      case 'date':
        return `strftime(CAST(${expr} AS DATE), '%Y-%m-%d')`;
      default:
        return `CAST(${expr} AS VARCHAR)`;
    }
  },

  md5Hex(expr) {
    return `md5(${expr})`;
  },

  concatText(parts) {
    return `concat(${parts.join(', ')})`;
  },

  isDistinctFrom(left, right) {
    return `${left} IS DISTINCT FROM ${right}`;
  },

  valuesFingerprint(exprs) {
    return `hash(${exprs.join(', ')})`;
  },

  textLength(expr) {
    return `length(${expr})`;
  },

  createTableAs(ref, select) {
    return `CREATE OR REPLACE TABLE ${this.quoteTable(ref)} AS\n${select}`;
  },

  readFile(path, format) {
    const literal = this.stringLiteral(path);
    if (format === 'parquet') return `read_parquet(${literal})`;
    if (format === 'json') return `read_json_auto(${literal})`;
    return `read_csv(${literal}, header = true)`;
  },

  statementTag(tag) {
    // DuckDB nests block comments, so "/*" in a tag would leave the comment open as surely as
    // "*/" would close it early. Only characters that cannot form either are kept.
    return `/* sluice ${tag.replace(/[^A-Za-z0-9 _.:=-]/g, '_')} */ `;
  },

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
    const literal = this.stringLiteral(replacement.replaceAll('\\', '\\\\'));
    return `regexp_replace(${expr}, ${this.stringLiteral(pattern)}, ${literal}, 'g')`;
  },

  regexpContains(expr, pattern) {
    return `regexp_matches(${expr}, ${this.stringLiteral(pattern)})`;
  },

  least(exprs) {
    return exprs.length === 1 ? exprs[0]! : `least(${exprs.join(', ')})`;
  },

  rowNumber() {
    // An empty OVER () runs as a streaming window, without a sort.
    return 'row_number() OVER ()';
  },

  argMin(value, orderBy) {
    // DuckDB compares the unnamed struct field by field, with NULL fields last (verified on 1.5.6).
    return `arg_min(${value}, (${orderBy.join(', ')}))`;
  },

  timestampLiteral(iso) {
    const text = iso.replace('T', ' ').replace(/Z$/, '');
    return `CAST(${this.stringLiteral(text)} AS TIMESTAMP)`;
  },

  createTableIfNotExists(ref, columns) {
    const definitions = columns.map((column) => `${this.quoteIdentifier(column.name)} ${column.type}`);
    return `CREATE TABLE IF NOT EXISTS ${this.quoteTable(ref)} (${definitions.join(', ')})`;
  },

  dropTableIfExists(ref) {
    return `DROP TABLE IF EXISTS ${this.quoteTable(ref)}`;
  },

  dateDiffDays(start, end) {
    return `datediff('day', CAST(${start} AS DATE), CAST(${end} AS DATE))`;
  },

  dateAddDays(date, days) {
    // DuckDB adds an INTEGER to a DATE but not a BIGINT, and adding an INTERVAL makes a TIMESTAMP.
    return `(CAST(${date} AS DATE) + CAST(${days} AS INTEGER))`;
  },

  timestampAddDays(timestamp, days) {
    return `(${timestamp} + to_days(CAST(${days} AS INTEGER)))`;
  },

  maxBy(value, key, condition) {
    // arg_max skips rows whose value or key is NULL (checked on DuckDB 1.5).
    const filter = condition === undefined ? '' : ` FILTER (WHERE ${condition})`;
    return `arg_max(${value}, ${key})${filter}`;
  },

  percentileCont(expr, fraction, partitionBy) {
    const over = partitionBy === undefined ? '' : `PARTITION BY ${partitionBy}`;
    return `quantile_cont(${expr}, ${fraction}) OVER (${over})`;
  },
};
