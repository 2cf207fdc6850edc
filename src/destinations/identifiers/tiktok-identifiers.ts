/**
 * TikTok audience identifiers for the segment mapping API: which mapped fields become which
 * `id_schema` entry, and how each is normalised before SHA-256. Rules from
 * https://ads.tiktok.com/help/article/list-of-supported-ids-and-formats-for-a-customer-file
 */
import type { CountryCode } from 'libphonenumber-js';
import type { Row } from '../../core/values.js';
import { normalizeEmail } from './email.js';
import { normalizeMobileId } from './mobile-id.js';
import { accepted } from './normalized-value.js';
import { e164Digits, normalizePhoneE164 } from './phone.js';
import { phoneRegionOf } from './phone-region.js';
import { type RowIdentifiers, readHashedField, unknownFields } from './row-identifiers.js';

/** TikTok's `id_schema` names, in the order Sluice sends them. */
export const TIKTOK_ID_TYPES = [
  'EMAIL_SHA256',
  'PHONE_SHA256',
  'IDFA_SHA256',
  'GAID_SHA256',
] as const;

export type TikTokIdType = (typeof TIKTOK_ID_TYPES)[number];
export type TikTokIdentifiers = Partial<Record<TikTokIdType, string>>;

/**
 * Destination field names a TikTok sync may map, and the id type each fills. `country_code` and
 * `country` only set the country for reading phone numbers.
 */
export const TIKTOK_FIELDS = {
  email: 'EMAIL_SHA256',
  phone: 'PHONE_SHA256',
  idfa: 'IDFA_SHA256',
  gaid: 'GAID_SHA256',
  country_code: '(country for phone numbers only)',
  country: '(country for phone numbers only)',
} as const;

const KNOWN_FIELDS: ReadonlySet<string> = new Set(Object.keys(TIKTOK_FIELDS));

export function extractTikTokIdentifiers(
  row: Row,
  defaultCountry: string | undefined,
): RowIdentifiers<TikTokIdentifiers> {
  const dropped: string[] = [];
  const phoneRegion = phoneRegionOf(row, defaultCountry);
  dropped.push(...phoneRegion.dropped);

  const values: TikTokIdentifiers = {
    EMAIL_SHA256: readHashedField(row, 'email', tiktokEmail, dropped),
    PHONE_SHA256: readHashedField(row, 'phone', (t) => tiktokPhone(t, phoneRegion.region), dropped),
    IDFA_SHA256: readHashedField(row, 'idfa', (t) => tiktokMobileId(t, 'idfa', 'upper'), dropped),
    GAID_SHA256: readHashedField(row, 'gaid', (t) => tiktokMobileId(t, 'gaid', 'lower'), dropped),
  };
  const present = Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as TikTokIdentifiers;

  return {
    identifiers: Object.keys(present).length > 0 ? present : undefined,
    dropped,
    ignoredFields: unknownFields(row, KNOWN_FIELDS),
  };
}

/** TikTok: trimmed, lower case, and any `+tag` removed from the user name on every domain. */
function tiktokEmail(text: string) {
  return normalizeEmail(text, { removeInnerWhitespace: false, plusTag: 'all', gmailDots: false });
}

/** TikTok: digits with the country code, no "+" and no leading zeros (`16577770000`). */
function tiktokPhone(text: string, region: CountryCode | undefined) {
  const e164 = normalizePhoneE164(text, region);
  return e164.ok ? accepted(e164Digits(e164.value)) : e164;
}

/**
 * TikTok requires only that capitalisation be consistent before hashing. IDFAs are hashed in upper
 * case and GAIDs in lower case, the forms iOS and Android report them in.
 * NOTE: the case TikTok hashes its own device IDs in is not documented; unverified.
 */
function tiktokMobileId(text: string, field: string, letterCase: 'upper' | 'lower') {
  const id = normalizeMobileId(text, field);
  if (!id.ok) return id;
  return accepted(letterCase === 'upper' ? id.value.toUpperCase() : id.value);
}
