/**
 * Canonical values: the one form in which row values cross from a warehouse into Node and on to
 * destinations, whatever the warehouse. Integers beyond 2^53 and decimals are exact strings,
 * timestamps are UTC ISO-8601 strings with microseconds (`2011-12-09T12:50:00.000000Z`), dates
 * are `YYYY-MM-DD`, JSON is parsed.
 */
export type CanonicalValue =
  | null
  | boolean
  | number
  | string
  | CanonicalValue[]
  | { [key: string]: CanonicalValue };

export type Row = Record<string, CanonicalValue>;

/** Column types as the engine reasons about them, independent of any warehouse's type names. */
export type LogicalType =
  | 'string'
  | 'integer'
  | 'decimal'
  | 'float'
  | 'boolean'
  | 'timestamp'
  | 'date'
  | 'json'
  | 'other';

export interface ColumnInfo {
  name: string;
  type: LogicalType;
  /** The warehouse's own type name, for messages. */
  nativeType: string;
}

/** Drops trailing fractional zeros so that `12.50` and `12.5` read the same on every warehouse. */
export function canonicalDecimal(text: string): string {
  if (!text.includes('.')) return text;
  const trimmed = text.replace(/0+$/, '').replace(/\.$/, '');
  return trimmed === '-0' ? '0' : trimmed;
}

/** Integers beyond 2^53 stay exact as strings. */
export function canonicalInteger(value: bigint | number | string): number | string {
  const big = typeof value === 'bigint' ? value : BigInt(value);
  const safe = big <= BigInt(Number.MAX_SAFE_INTEGER) && big >= BigInt(Number.MIN_SAFE_INTEGER);
  return safe ? Number(big) : big.toString();
}

/**
 * Canonical text of a UTC timestamp given as `YYYY-MM-DD HH:MM:SS[.ffffff][+00]`.
 * Pads the fraction to microseconds.
 */
export function canonicalTimestamp(text: string): string {
  const match = /^(-?\d{4,}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(?:Z|[+-]00(?::?00)?)?$/.exec(
    text,
  );
  if (!match) throw new Error(`Cannot read "${text}" as a UTC timestamp`);
  const fraction = (match[3] ?? '').padEnd(6, '0').slice(0, 6);
  return `${match[1]}T${match[2]}.${fraction}Z`;
}
