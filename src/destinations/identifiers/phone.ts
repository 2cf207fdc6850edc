import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js';
import { type NormalizedValue, accepted, dropped } from './normalized-value.js';

/**
 * Normalises a phone number to E.164 (`+12025550143`) with libphonenumber-js. A number written
 * without `+` is read as a number of `region`, so "0044..." works with region GB. Without a
 * region it is dropped rather than guessed: "(202) 555-0143" read as international would become
 * an Egyptian number (+20...). Numbers that libphonenumber-js does not consider valid for their
 * country are dropped too, which catches placeholders such as "+0000000000" or "0000000000". An
 * extension is left out, because E.164 has none.
 */
export function normalizePhoneE164(
  text: string,
  region: CountryCode | undefined,
  field = 'phone',
): NormalizedValue {
  if (!/\d/.test(text)) return dropped(`${field} contains no digits`);

  const international = text.trim().startsWith('+');
  if (!international && region === undefined) {
    return dropped(
      `${field} has no country code; write it with "+" and the country code, map a ` +
        'country_code or country field, or set default_country in the sync',
    );
  }

  const parsed = parsePhoneNumberFromString(text, region);
  if (!parsed?.isValid()) {
    const where = region && !international ? ` for country ${region}` : '';
    return dropped(`${field} is not a valid phone number${where}`);
  }
  return accepted(parsed.number);
}

/**
 * Returns an E.164 number as digits only, country code first, without "+": the form Meta and
 * TikTok hash. E.164 numbers never start with 0, so no leading zeros remain.
 */
export function e164Digits(e164: string): string {
  return e164.replace(/^\+/, '');
}
