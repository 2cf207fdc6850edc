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
 * Returns a phone number in E.164 (`+14155550123`), the only form Klaviyo accepts for
 * `phone_number` (https://developers.klaviyo.com/en/reference/bulk_import_profiles). A number
 * without `+` is read as a number of `defaultCountry`. Without a default country it is rejected,
 * because a guessed country could match the wrong person.
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
