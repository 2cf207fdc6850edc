import type { CountryCode } from 'libphonenumber-js';
import type { Row } from '../../core/values.js';
import { asPhoneRegion, normalizeCountryCode } from './country.js';
import { readFieldText } from './field-text.js';

/** The region to read a row's phone number in, and why a mapped country_code was not used. */
export interface PhoneRegion {
  region: CountryCode | undefined;
  dropped: string[];
}

/**
 * Picks the region for a phone number written without a country code: the row's `country_code`
 * field, else its `country` field, else the sync's `default_country`. A `country_code` that is
 * not a country is reported; a bad `country` is reported by the connector that sends it.
 */
export function phoneRegionOf(row: Row, defaultCountry: string | undefined): PhoneRegion {
  const dropped: string[] = [];
  const candidates: [string, boolean][] = [
    ['country_code', true],
    ['country', false],
  ];

  for (const [field, report] of candidates) {
    const text = readFieldText(row[field], field);
    if (!text) continue;

    const country = text.ok ? normalizeCountryCode(text.value, field) : text;
    if (country.ok) {
      const region = asPhoneRegion(country.value);
      if (region) return { region, dropped };
    } else if (report) {
      dropped.push(country.reason);
    }
  }

  const fallback = defaultCountry === undefined ? undefined : asPhoneRegion(defaultCountry);
  return { region: fallback, dropped };
}
