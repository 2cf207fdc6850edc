import { type NormalizedValue, accepted, dropped } from './normalized-value.js';

/** A date of birth split into the parts Meta hashes separately (DOBY, DOBM, DOBD). */
export interface BirthDateParts {
  year: string;
  month: string;
  day: string;
}

const ISO_DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})(?:$|[T ])/;

/**
 * Splits a date of birth given as a canonical date (`1985-07-14`) or a timestamp that starts
 * with one. Returns undefined when the text is not such a date or names an impossible day.
 */
export function parseBirthDate(text: string): BirthDateParts | undefined {
  const match = ISO_DATE_PREFIX.exec(text.trim());
  if (!match) return undefined;
  const [, year = '', month = '', day = ''] = match;

  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  const valid =
    date.getUTCFullYear() === Number(year) &&
    date.getUTCMonth() === Number(month) - 1 &&
    date.getUTCDate() === Number(day);
  return valid ? { year, month, day } : undefined;
}

/** Normalises a gender for Meta: "m" or "f", from m, f, male or female in any case. */
export function normalizeGender(text: string, field: string): NormalizedValue {
  const value = text.trim().toLowerCase();
  if (value === 'm' || value === 'male') return accepted('m');
  if (value === 'f' || value === 'female') return accepted('f');
  return dropped(`${field} must be m, f, male or female`);
}
