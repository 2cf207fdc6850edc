import { type CountryCode, isSupportedCountry } from 'libphonenumber-js';
import { type NormalizedValue, accepted, dropped } from './normalized-value.js';

/** The 249 officially assigned ISO 3166-1 alpha-2 codes, plus XK (Kosovo), which is widely used. */
const ISO_ALPHA2_CODES = new Set(
  [
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ',
    'BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ',
    'CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ',
    'DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR',
    'GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU',
    'ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ',
    'LA LB LC LI LK LR LS LT LU LV LY',
    'MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ',
    'NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA',
    'RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ',
    'TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ',
    'VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW',
  ]
    .join(' ')
    .split(' '),
);

/** Common names that are not the English display name of their country. */
const COUNTRY_ALIASES: Record<string, string> = {
  usa: 'US',
  'united states of america': 'US',
  uk: 'GB',
  'great britain': 'GB',
  england: 'GB',
  scotland: 'GB',
  wales: 'GB',
  'northern ireland': 'GB',
};

let namesToCodes: Map<string, string> | undefined;

/** Country names in English, from the ICU data built into Node, mapped to their codes. */
function countryNames(): Map<string, string> {
  if (namesToCodes) return namesToCodes;
  const displayNames = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });
  namesToCodes = new Map(Object.entries(COUNTRY_ALIASES));
  for (const code of ISO_ALPHA2_CODES) {
    const name = displayNames.of(code);
    if (name) namesToCodes.set(comparableName(name), code);
  }
  return namesToCodes;
}

function comparableName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/['’`]/g, '')
    .replace(/&/g, 'and')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/**
 * Normalises a country to its ISO 3166-1 alpha-2 code in upper case. Accepts a code in any case
 * ("us", "GB") or an English name ("United States", "Côte d’Ivoire"); "UK" means GB.
 */
export function normalizeCountryCode(text: string, field = 'country'): NormalizedValue {
  const trimmed = text.trim();
  const upper = trimmed.toUpperCase();
  if (ISO_ALPHA2_CODES.has(upper)) return accepted(upper);

  const code = countryNames().get(comparableName(trimmed));
  if (code) return accepted(code);
  return dropped(`${field} is not an ISO 3166-1 alpha-2 code or an English country name`);
}

/**
 * Returns `code` when libphonenumber-js has numbering data for it, so that it can be the region
 * of a phone number, or undefined otherwise (Antarctica, for one, has no numbering plan).
 */
export function asPhoneRegion(code: string): CountryCode | undefined {
  return isSupportedCountry(code) ? code : undefined;
}

/** Every code `normalizeCountryCode` returns, for tests and config checks. */
export function countryCodes(): ReadonlySet<string> {
  return ISO_ALPHA2_CODES;
}
