import type { CanonicalValue } from '../../core/values.js';

/** Column types the destination creates; existing columns keep whatever type they have. */
export type CreatedColumnType = 'text' | 'numeric' | 'boolean' | 'timestamptz' | 'jsonb';

const CANONICAL_TIMESTAMP = /^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const DECIMAL_TEXT = /^-?\d+(\.\d+)?$/;

/**
 * Picks the type of a new column from its canonical values (see core/values.ts). Booleans give
 * boolean and canonical UTC timestamps give timestamptz. Numbers give numeric, also when exact
 * decimal strings are mixed in, because integers beyond 2^53 and decimals arrive as strings.
 * Objects and arrays give jsonb. Anything else, a mix, or only NULLs gives text. Strings of
 * digits alone stay text, because codes such as "02134" would lose their leading zero.
 */
export function inferColumnType(values: Iterable<CanonicalValue | undefined>): CreatedColumnType {
  const kinds = new Set<string>();
  for (const value of values) {
    if (value === null || value === undefined) continue;
    kinds.add(valueKind(value));
  }

  if (kinds.size === 0) return 'text';
  if (kinds.has('json')) return 'jsonb';
  if (kinds.size === 1 && kinds.has('boolean')) return 'boolean';
  if (kinds.size === 1 && kinds.has('timestamp')) return 'timestamptz';
  if (kinds.has('number') && [...kinds].every((kind) => kind === 'number' || kind === 'decimal')) {
    return 'numeric';
  }
  return 'text';
}

function valueKind(value: Exclude<CanonicalValue, null>): string {
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return 'number';
  if (typeof value === 'object') return 'json';
  if (CANONICAL_TIMESTAMP.test(value)) return 'timestamp';
  if (DECIMAL_TEXT.test(value)) return 'decimal';
  return 'string';
}
