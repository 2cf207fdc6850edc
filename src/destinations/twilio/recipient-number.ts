import {
  type CountryCode,
  isSupportedCountry,
  parsePhoneNumberFromString,
} from 'libphonenumber-js';
import type { Row } from '../../core/values.js';

export interface RecipientFields {
  /** Field holding the phone number. */
  toField: string;
  /** Field holding an ISO 3166-1 alpha-2 country code, for numbers written without `+`. */
  countryField?: string;
  /** Country used when the row has none. */
  defaultCountry?: CountryCode;
}

/** The recipient in E.164, or why the row has no usable recipient. */
export type RecipientResult = { ok: true; number: string } | { ok: false; reason: string };

/**
 * Reads a row's phone number and normalises it to E.164 with libphonenumber-js, checking it
 * against the numbering plan of its country. An invalid number is rejected here rather than by
 * Twilio (error 21211), so it costs no request. Reasons name the field but never the number,
 * because they are stored in the run history.
 */
export function recipientNumber(fields: Row, recipient: RecipientFields): RecipientResult {
  const value = fields[recipient.toField];
  if (value === undefined || value === null || value === '') {
    const reason =
      `field "${recipient.toField}" is missing or empty, so the message has no recipient`;
    return { ok: false, reason };
  }
  if (typeof value !== 'string' && typeof value !== 'number') {
    return { ok: false, reason: `field "${recipient.toField}" is not a phone number string` };
  }

  const country = rowCountry(fields, recipient);
  if (!country.ok) return country;

  const phone = parsePhoneNumberFromString(String(value), country.code);
  if (phone?.isValid()) return { ok: true, number: phone.number };

  const where = country.code ? ` for country ${country.code}` : '';
  return {
    ok: false,
    reason:
      `field "${recipient.toField}" is not a valid phone number${where} (Twilio would reject ` +
      'it with error 21211); store numbers in E.164 such as +14155552671, or set country_field ' +
      'or default_country for national numbers',
  };
}

type CountryResult = { ok: true; code: CountryCode | undefined } | { ok: false; reason: string };

function rowCountry(fields: Row, recipient: RecipientFields): CountryResult {
  const value = recipient.countryField === undefined ? null : fields[recipient.countryField];
  if (value === undefined || value === null || value === '') {
    return { ok: true, code: recipient.defaultCountry };
  }

  const code = typeof value === 'string' ? value.trim().toUpperCase() : '';
  if (isSupportedCountry(code)) return { ok: true, code };
  return {
    ok: false,
    reason:
      `field "${recipient.countryField}" is not an ISO 3166-1 alpha-2 country code ` +
      'such as US or GB',
  };
}
