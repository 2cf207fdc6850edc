import { type NormalizedValue, accepted, dropped } from './normalized-value.js';

const US_ZIP = /^(\d{5})(?:-?(\d{4}))?$/;
/** A full UK postcode: outward code (area and district), then sector digit and unit letters. */
const UK_POSTCODE = /^([a-z]{1,2}\d[a-z\d]?)(\d)[a-z]{2}$/;

/**
 * Normalises a zip or postal code for Meta: lower case without spaces. A US zip keeps its first
 * five digits only, and a full UK postcode is cut to area, district and sector ("SW1A 1AA"
 * becomes "sw1a1"). A US zip is recognised by `country` = US, or by its shape when the row has
 * no country.
 * Source: https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences
 */
export function normalizeMetaZip(
  text: string,
  country: string | undefined,
  field: string,
): NormalizedValue {
  const compact = text.toLowerCase().replace(/\s+/gu, '');
  const usZip = US_ZIP.exec(compact);

  if (country === 'US' || (country === undefined && usZip)) {
    return usZip?.[1] ? accepted(usZip[1]) : dropped(`${field} is not a US zip code`);
  }
  if (country === 'GB') {
    const ukPostcode = UK_POSTCODE.exec(compact);
    if (ukPostcode) return accepted(`${ukPostcode[1]}${ukPostcode[2]}`);
  }
  return compact.length < 2
    ? dropped(`${field} is too short to be a postal code`)
    : accepted(compact);
}

/**
 * Normalises a postal code for Google, which sends it unhashed: surrounding whitespace removed.
 * A US zip is five digits, optionally followed by a dash and the four-digit extension; other
 * countries keep their code as written, upper-cased. Source:
 * https://developers.google.com/data-manager/api/devguides/concepts/formatting
 */
export function normalizeGooglePostalCode(
  text: string,
  country: string,
  field: string,
): NormalizedValue {
  const trimmed = text.trim().replace(/\s+/gu, ' ');
  if (country !== 'US') return accepted(trimmed.toUpperCase());

  const usZip = US_ZIP.exec(trimmed.replace(/\s+/gu, ''));
  if (!usZip?.[1]) return dropped(`${field} is not a US zip code`);
  return accepted(usZip[2] ? `${usZip[1]}-${usZip[2]}` : usZip[1]);
}
