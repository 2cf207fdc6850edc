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
 * Converts one value as @google-cloud/bigquery 8.x returns it (with `wrapIntegers`) into
 * canonical form. The client wraps several types: INT64 in BigQueryInt (or a plain string or
 * number, depending on the option), NUMERIC and BIGNUMERIC in Big, TIMESTAMP, DATETIME, DATE
 * and TIME in objects with a string `value`, BYTES in a Buffer. JSON arrives as text.
 */
export function toCanonical(value: unknown, field: SchemaField): CanonicalValue {
  if (value === null || value === undefined) return null;
  if (field.mode === 'REPEATED' && Array.isArray(value)) {
    return value.map((item) => toCanonical(item, { ...field, mode: 'NULLABLE' }));
  }
  switch (logicalTypeOf(field)) {
    case 'integer':
      return canonicalInteger(integerText(value));
    case 'decimal':
      return canonicalDecimal(decimalText(value));
    case 'float':
      return Number(value);
    case 'boolean':
      return typeof value === 'string' ? value.toLowerCase() === 'true' : Boolean(value);
    case 'timestamp':
      return canonicalTimestamp(wrappedText(value));
    case 'date':
      return wrappedText(value);
    case 'json':
      return field.type === 'JSON' ? parseJson(value) : recordValue(value, field);
    default:
      return otherText(value);
  }
}

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

function recordValue(value: unknown, field: SchemaField): CanonicalValue {
  const record = value as Record<string, unknown>;
  const result: Record<string, CanonicalValue> = {};
  for (const child of field.fields ?? []) {
    const name = String(child.name);
    result[name] = toCanonical(record[name], child);
  }
  return result;
}

/** BYTES as base64, as the REST API sends them; TIME, GEOGRAPHY and INTERVAL as their text. */
function otherText(value: unknown): CanonicalValue {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  return wrappedText(value);
}
