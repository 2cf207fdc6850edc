import type { DuckDBType, DuckDBValueConverter } from '@duckdb/node-api';
import {
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
} from '@duckdb/node-api';
import {
  canonicalDecimal,
  canonicalInteger,
  canonicalTimestamp,
  type CanonicalValue,
  type LogicalType,
} from '../../core/values.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Converts driver values as JsonDuckDBValueConverter does, except that TIMESTAMPTZ values print
 * as UTC. The driver's own converter (@duckdb/node-api 1.5.6-r.1) prints them with the offset of
 * the Node process's time zone, read once when the module loads, whatever the session's TimeZone.
 */
export const jsonConverter: DuckDBValueConverter<Json> = (value, type, converter) => {
  if (value instanceof DuckDBTimestampTZValue) return new DuckDBTimestampValue(value.micros).toString();
  return JsonDuckDBValueConverter(value, type, converter);
};

/** Maps a DuckDB type to the engine's logical type. */
export function logicalTypeOf(type: DuckDBType): LogicalType {
  if (type.alias === 'JSON') return 'json';
  switch (type.typeId) {
    case DuckDBTypeId.VARCHAR:
    case DuckDBTypeId.UUID:
    case DuckDBTypeId.ENUM:
      return 'string';
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UTINYINT:
    case DuckDBTypeId.USMALLINT:
    case DuckDBTypeId.UINTEGER:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.UHUGEINT:
      return 'integer';
    case DuckDBTypeId.DECIMAL:
      return 'decimal';
    case DuckDBTypeId.FLOAT:
    case DuckDBTypeId.DOUBLE:
      return 'float';
    case DuckDBTypeId.BOOLEAN:
      return 'boolean';
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return 'timestamp';
    case DuckDBTypeId.DATE:
      return 'date';
    case DuckDBTypeId.LIST:
    case DuckDBTypeId.STRUCT:
    case DuckDBTypeId.MAP:
    case DuckDBTypeId.ARRAY:
      return 'json';
    default:
      return 'other';
  }
}

/**
 * Converts one value from the driver's JSON form (which already keeps big integers and decimals
 * as exact strings) into canonical form.
 */
export function toCanonical(value: Json, type: LogicalType): CanonicalValue {
  if (value === null) return null;
  switch (type) {
    case 'integer':
      return canonicalInteger(value as number | string);
    case 'decimal':
      return canonicalDecimal(String(value));
    case 'timestamp':
      return canonicalTimestamp(String(value));
    case 'json':
      return typeof value === 'string' ? (JSON.parse(value) as CanonicalValue) : value;
    default:
      return value;
  }
}
