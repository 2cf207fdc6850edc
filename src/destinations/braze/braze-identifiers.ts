import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import type { CanonicalValue } from '../../core/values.js';

export type NormalizedValue = { ok: true; value: string } | { ok: false; reason: string };

/** Returns the email trimmed and lower-cased, or undefined for a missing or blank value. */
export function normalizeEmail(value: CanonicalValue | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const normalized = value.trim().toLowerCase();
  return normalized === '' ? undefined : normalized;
}

/**
 * Returns a phone number in E.164 (`+14155550123`). Braze reads a 10-digit number without `+`
 * as a US number (braze-inc/braze-docs, _docs/_api/endpoints/user_data/post_user_track.md), so
 * numbers are converted here. One without `+` is read as a number of `defaultCountry`, and
 * without a default country it is rejected instead of silently becoming a US number.
 */
export function normalizePhone(
  value: CanonicalValue | undefined,
  field: string,
  defaultCountry: string | undefined,
): NormalizedValue {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || text.trim() === '') {
    return { ok: false, reason: `${field} is empty` };
  }

  const parsed = parsePhoneNumberFromString(text, defaultCountry as CountryCode | undefined);
  if (parsed?.isValid()) return { ok: true, value: parsed.number };
  const hint =
    text.trim().startsWith('+') || defaultCountry
      ? ''
      : '; write it in E.164 (+14155550123) or set default_phone_country';
  return { ok: false, reason: `${field} is not a valid phone number${hint}` };
}
