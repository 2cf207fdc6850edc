import type { CanonicalValue } from '../../core/values.js';
import { type NormalizedValue, accepted, dropped } from './normalized-value.js';

/**
 * Reads a mapped field as identifier text. Returns undefined when the field is missing, null or
 * blank, because an absent identifier is not an error. Numbers become decimal text (a phone
 * number or zip code stored as an integer). Strings are put in Unicode normalisation form C, so
 * that "é" typed as one code point or as "e" plus an accent hashes the same. Booleans, lists
 * and objects are dropped.
 */
export function readFieldText(
  value: CanonicalValue | undefined,
  field: string,
): NormalizedValue | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'number') {
    return Number.isFinite(value) ? accepted(String(value)) : dropped(`${field} is not a number`);
  }
  if (typeof value !== 'string') {
    return dropped(`${field} must be text or a number, not ${describeType(value)}`);
  }
  if (value.trim() === '') return undefined;
  return accepted(value.normalize('NFC'));
}

function describeType(value: CanonicalValue): string {
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
