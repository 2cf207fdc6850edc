/**
 * Email and phone normalisation for the email and messaging platforms (Braze, Klaviyo,
 * Mailchimp, SendGrid), which receive identifiers in plain text. The ad platforms hash theirs
 * and use the stricter rules in `email.ts` and `phone.ts`.
 */
import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { z } from 'zod';
import type { CanonicalValue } from '../../core/values.js';
import { type NormalizedValue, accepted, dropped } from './normalized-value.js';

/** `default_phone_country` of a sync: the country of phone numbers written without `+`. */
export const phoneCountrySchema = z
  .string()
  .regex(/^[A-Z]{2}$/, 'must be a two-letter upper-case ISO 3166 country code');

/**
 * Returns the email trimmed and lower-cased, or undefined for a missing or blank value.
 * Mailchimp keys a member by the MD5 of the lower-cased address, and SendGrid lower-cases
 * `email` itself but keeps surrounding whitespace, so two spellings of one address must become
 * one key before anything is sent.
 */
export function normalizeContactEmail(value: CanonicalValue | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const normalized = value.trim().toLowerCase();
  return normalized === '' ? undefined : normalized;
}

/**
 * Returns a phone number in E.164 (`+14155550123`). Klaviyo accepts only E.164 for
 * `phone_number` (https://developers.klaviyo.com/en/reference/bulk_import_profiles), and Braze
 * reads a 10-digit number without `+` as a US number (braze-inc/braze-docs,
 * _docs/_api/endpoints/user_data/post_user_track.md), so numbers are converted here. A number
 * without `+` is read as a number of `defaultCountry`. Without a default country it is rejected,
 * because a guessed country could match the wrong person.
 */
export function normalizeContactPhone(
  value: CanonicalValue | undefined,
  field: string,
  defaultCountry: string | undefined,
): NormalizedValue {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || text.trim() === '') return dropped(`${field} is empty`);

  const parsed = parsePhoneNumberFromString(text, defaultCountry as CountryCode | undefined);
  if (parsed?.isValid()) return accepted(parsed.number);
  const hint =
    text.trim().startsWith('+') || defaultCountry
      ? ''
      : '; write it in E.164 (+14155550123) or set default_phone_country';
  return dropped(`${field} is not a valid phone number${hint}`);
}
