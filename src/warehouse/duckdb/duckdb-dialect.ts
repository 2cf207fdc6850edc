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
    return `/* sluice ${tag.replaceAll('*/', '')} */ `;
  },
};
