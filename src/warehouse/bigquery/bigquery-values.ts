import {
  canonicalDecimal,
  canonicalInteger,
  canonicalTimestamp,
  type CanonicalValue,
  type ColumnInfo,
  type LogicalType,
} from '../../core/values.js';

/** A field of a BigQuery table or result schema, as the REST API returns it. */
export interface SchemaField {
  name?: string | null;
  type?: string | null;
  mode?: string | null;
  fields?: SchemaField[] | null;
}

/** Maps a BigQuery field to the engine's logical type. Repeated fields are JSON arrays. */
export function logicalTypeOf(field: SchemaField): LogicalType {
  if (field.mode === 'REPEATED') return 'json';
  switch (field.type) {
    case 'STRING':
      return 'string';
    case 'INTEGER':
    case 'INT64':
      return 'integer';
    case 'NUMERIC':
    case 'BIGNUMERIC':
      return 'decimal';
    case 'FLOAT':
    case 'FLOAT64':
      return 'float';
    case 'BOOLEAN':
    case 'BOOL':
      return 'boolean';
    // A DATETIME has no time zone; it is read as UTC, as DuckDB reads a TIMESTAMP.
    case 'TIMESTAMP':
    case 'DATETIME':
      return 'timestamp';
    case 'DATE':
      return 'date';
    case 'JSON':
    case 'RECORD':
    case 'STRUCT':
      return 'json';
    default:
      return 'other';
  }
}

export function columnInfoOf(field: SchemaField): ColumnInfo {
  const nativeType = field.mode === 'REPEATED' ? `ARRAY<${field.type}>` : String(field.type);
  return { name: String(field.name), type: logicalTypeOf(field), nativeType };
}

/**
 * Converts one value into canonical form. It accepts both forms a value can take. The first is
 * the REST API's wire form, which the adapter reads because it is exact: strings, with TIMESTAMP
 * as int64 microseconds, RECORD as `{ f: [{ v }] }` and REPEATED as `[{ v }]`. The second is the
 * wrapper objects that @google-cloud/bigquery 8.x makes when it parses rows. INT64 becomes a
 * BigQueryInt (or a number or string, depending on `wrapIntegers`), NUMERIC and BIGNUMERIC a Big,
 * TIMESTAMP, DATETIME, DATE and TIME an object with a string `value`, BYTES a Buffer, and JSON
 * stays text unless `parseJSON` is set.
 */
export function toCanonical(value: unknown, field: SchemaField): CanonicalValue {
  if (value === null || value === undefined) return null;
  if (field.mode === 'REPEATED' && Array.isArray(value)) {
    return value.map((item) => toCanonical(wireCell(item), { ...field, mode: 'NULLABLE' }));
  }
  switch (logicalTypeOf(field)) {
    case 'integer':
      return canonicalInteger(integerText(value));
    case 'decimal':
      return canonicalDecimal(decimalText(value));
    case 'float':
      return floatValue(value);
    case 'boolean':
      return typeof value === 'string' ? value.toLowerCase() === 'true' : Boolean(value);
    case 'timestamp':
      return timestampValue(value);
    case 'date':
      return wrappedText(value);
    case 'json':
      return field.type === 'JSON' ? parseJson(value) : recordValue(value, field);
    default:
      return otherText(value);
  }
}

/** Reads a FLOAT64. The wire form writes infinities as `Infinity` (the emulator as `inf`). */
function floatValue(value: unknown): number {
  if (typeof value === 'number') return value;
  const text = String(value).toLowerCase();
  if (text === 'inf' || text === 'infinity' || text === '+inf') return Infinity;
  if (text === '-inf' || text === '-infinity') return -Infinity;
  return Number(value);
}

/**
 * Reads a TIMESTAMP, which the wire form gives as int64 microseconds since the epoch, or a
 * DATETIME or client wrapper, which carry ISO text. The microseconds are converted here because
 * the client's own conversion (@google-cloud/precise-date 5.x) shifts a negative instant with a
 * fraction, such as 1969-12-31T23:59:59.5Z, by a second.
 */
function timestampValue(value: unknown): string {
  const text = wrappedText(value);
  if (!/^-?\d+$/.test(text)) return canonicalTimestamp(text);

  const micros = BigInt(text);
  let seconds = micros / MICROS_PER_SECOND;
  let fraction = micros % MICROS_PER_SECOND;
  if (fraction < 0n) {
    fraction += MICROS_PER_SECOND;
    seconds -= 1n;
  }
  const whole = new Date(Number(seconds) * 1000).toISOString().slice(0, 19);
  return `${whole}.${fraction.toString().padStart(6, '0')}Z`;
}

const MICROS_PER_SECOND = 1_000_000n;

function integerText(value: unknown): bigint | number | string {
  if (typeof value === 'bigint' || typeof value === 'number' || typeof value === 'string') return value;
  return wrappedText(value);
}

/**
 * Big's toString switches to exponent notation for large and small magnitudes (1e+21, 1e-7);
 * toFixed with no argument prints every digit.
 */
function decimalText(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'toFixed' in value && typeof value.toFixed === 'function') {
    return String((value as { toFixed(): string }).toFixed());
  }
  return String(value);
}

/** The text inside the client's wrapper objects (`{ value: '2024-01-01' }`), or the value itself. */
function wrappedText(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'value' in value) return String(value.value);
  return String(value);
}

function parseJson(value: unknown): CanonicalValue {
  return typeof value === 'string' ? (JSON.parse(value) as CanonicalValue) : (value as CanonicalValue);
}

/** Reads a RECORD from the wire's `{ f: [{ v }] }` or from the client's object keyed by field name. */
function recordValue(value: unknown, field: SchemaField): CanonicalValue {
  const record = value as Record<string, unknown>;
  const cells = Array.isArray(record.f) ? (record.f as unknown[]) : undefined;
  const result: Record<string, CanonicalValue> = {};
  (field.fields ?? []).forEach((child, index) => {
    const name = String(child.name);
    result[name] = toCanonical(cells ? wireCell(cells[index]) : record[name], child);
  });
  return result;
}

/** Returns the value inside a wire cell `{ v: ... }`, and anything else as it is. */
export function wireCell(cell: unknown): unknown {
  return typeof cell === 'object' && cell !== null && 'v' in cell ? cell.v : cell;
}

/** BYTES as base64, as the REST API sends them; TIME, GEOGRAPHY and INTERVAL as their text. */
function otherText(value: unknown): CanonicalValue {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return wrappedText(value);
}
