import {
  canonicalDecimal,
  canonicalInteger,
  type CanonicalValue,
  type LogicalType,
} from '../../core/values.js';

/** A result column as snowflake-sdk describes it. */
export interface SnowflakeColumnType {
  /** Snowflake's type name in lower case: fixed, real, text, timestamp_ntz, variant, ... */
  type: string;
  scale: number;
}

/** Maps a Snowflake result column type to the engine's logical type. */
export function logicalTypeOf(column: SnowflakeColumnType): LogicalType {
  switch (column.type) {
    case 'fixed':
      return column.scale === 0 ? 'integer' : 'decimal';
    case 'real':
      return 'float';
    case 'text':
      return 'string';
    case 'boolean':
      return 'boolean';
    case 'date':
      return 'date';
    case 'timestamp_ntz':
    case 'timestamp_ltz':
    case 'timestamp_tz':
      return 'timestamp';
    case 'variant':
    case 'object':
    case 'array':
      return 'json';
    default:
      return 'other';
  }
}

/**
 * The driver's date and timestamp values: a JavaScript Date (millisecond precision, shown in the
 * host's time zone) that also carries the exact instant as epoch seconds and nanoseconds.
 */
interface SnowflakeDateValue {
  getEpochSeconds(): number;
  getNanoSeconds(): number;
}

function isSnowflakeDate(value: unknown): value is SnowflakeDateValue {
  return typeof value === 'object' && value !== null && 'getEpochSeconds' in value && 'getNanoSeconds' in value;
}

/**
 * Converts one driver value into canonical form. The adapter asks the driver for numbers as text
 * (`fetchAsString: ['Number']`), so FIXED values arrive exact; dates and timestamps are read from
 * their epoch seconds, never from the Date, so the host's time zone plays no part.
 */
export function toCanonical(value: unknown, type: LogicalType): CanonicalValue {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return canonicalInteger(String(value));
    case 'decimal':
      return canonicalDecimal(String(value));
    case 'float':
      return Number(value);
    case 'timestamp':
      return canonicalInstant(expectDate(value));
    case 'date':
      return new Date(expectDate(value).getEpochSeconds() * 1000).toISOString().slice(0, 10);
    case 'boolean':
      return Boolean(value);
    case 'json':
      return value as CanonicalValue;
    default:
      return Buffer.isBuffer(value) ? value.toString('hex') : String(value);
  }
}

function expectDate(value: unknown): SnowflakeDateValue {
  if (!isSnowflakeDate(value)) throw new Error(`Expected a Snowflake date or timestamp value, got ${typeof value}`);
  return value;
}

/** `2011-12-09T12:50:00.123456Z` for an instant; digits past microseconds are cut, not rounded. */
function canonicalInstant(value: SnowflakeDateValue): string {
  const seconds = value.getEpochSeconds();
  const micros = Math.floor(value.getNanoSeconds() / 1000);
  const whole = new Date(seconds * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(micros).padStart(6, '0')}Z`;
}
