/**
 * Meta Custom Audience identifiers: which mapped fields become which schema keys, and how each is
 * normalised before SHA-256. Rules from
 * https://developers.facebook.com/docs/marketing-api/audiences/guides/custom-audiences and
 * https://developers.facebook.com/docs/marketing-api/reference/custom-audience/users
 */
import type { CountryCode } from 'libphonenumber-js';
import type { Row } from '../../core/values.js';
import { normalizeCountryCode } from './country.js';
import { normalizeGender, parseBirthDate } from './demographics.js';
import { normalizeEmail } from './email.js';
import { readFieldText } from './field-text.js';
import { normalizeMobileId } from './mobile-id.js';
import { type NormalizedValue, accepted, dropped as drop } from './normalized-value.js';
import { normalizeMetaCity, normalizeMetaName } from './person-text.js';
import { e164Digits, normalizePhoneE164 } from './phone.js';
import { phoneRegionOf } from './phone-region.js';
import { normalizeMetaZip } from './postal-code.js';
import {
  type RowIdentifiers,
  readClearField,
  readHashedField,
  unknownFields,
} from './row-identifiers.js';
import { sha256Hex } from './sha256.js';
import { usStateCode } from './us-states.js';

/** Meta's multi-key schema names, in the order Sluice sends them. */
export const META_SCHEMA_KEYS = [
  'EMAIL',
  'PHONE',
  'FN',
  'LN',
  'CT',
  'ST',
  'ZIP',
  'COUNTRY',
  'GEN',
  'DOBY',
  'DOBM',
  'DOBD',
  'MADID',
  'EXTERN_ID',
] as const;

export type MetaSchemaKey = (typeof META_SCHEMA_KEYS)[number];
export type MetaIdentifiers = Partial<Record<MetaSchemaKey, string>>;

/**
 * Destination field names a Meta sync may map, and the key each fills. `date_of_birth` fills
 * DOBY, DOBM and DOBD. `country_code` only sets the country for reading phone numbers.
 */
export const META_FIELDS = {
  email: 'EMAIL',
  phone: 'PHONE',
  first_name: 'FN',
  last_name: 'LN',
  city: 'CT',
  state: 'ST',
  zip: 'ZIP',
  country: 'COUNTRY',
  gender: 'GEN',
  date_of_birth: 'DOBY, DOBM, DOBD',
  madid: 'MADID',
  external_id: 'EXTERN_ID',
  country_code: '(country for phone numbers only)',
} as const;

const KNOWN_FIELDS: ReadonlySet<string> = new Set(Object.keys(META_FIELDS));

/**
 * Reads a row's Meta identifiers: every key hashed with SHA-256 after normalising, except MADID
 * (lower-case UUID) and EXTERN_ID (trimmed), which Meta takes in clear text.
 */
export function extractMetaIdentifiers(
  row: Row,
  defaultCountry: string | undefined,
): RowIdentifiers<MetaIdentifiers> {
  const dropped: string[] = [];
  const country = readCountry(row);
  const phoneRegion = phoneRegionOf(row, defaultCountry);
  dropped.push(...phoneRegion.dropped);

  const hashedRules: [MetaSchemaKey, string, (text: string) => NormalizedValue][] = [
    ['EMAIL', 'email', metaEmail],
    ['PHONE', 'phone', (text) => metaPhone(text, phoneRegion.region)],
    ['FN', 'first_name', (text) => normalizeMetaName(text, 'first_name')],
    ['LN', 'last_name', (text) => normalizeMetaName(text, 'last_name')],
    ['CT', 'city', (text) => normalizeMetaCity(text, 'city')],
    ['ST', 'state', (text) => metaState(text, country)],
    ['ZIP', 'zip', (text) => normalizeMetaZip(text, country, 'zip')],
    ['COUNTRY', 'country', metaCountry],
    ['GEN', 'gender', (text) => normalizeGender(text, 'gender')],
  ];
  const values: MetaIdentifiers = {};
  for (const [key, field, normalize] of hashedRules) {
    values[key] = readHashedField(row, field, normalize, dropped);
  }
  Object.assign(values, readBirthDate(row, dropped));
  values.MADID = readClearField(row, 'madid', (text) => normalizeMobileId(text, 'madid'), dropped);
  values.EXTERN_ID = readClearField(row, 'external_id', (text) => accepted(text.trim()), dropped);

  const present = Object.fromEntries(
    Object.entries(values).filter(([, value]) => value !== undefined),
  ) as MetaIdentifiers;
  return {
    identifiers: Object.keys(present).length > 0 ? present : undefined,
    dropped,
    ignoredFields: unknownFields(row, KNOWN_FIELDS),
  };
}

function metaEmail(text: string) {
  return normalizeEmail(text, { removeInnerWhitespace: false, plusTag: 'none', gmailDots: false });
}

/** Meta: digits only, with the country code, without "+" or leading zeros. */
function metaPhone(text: string, region: CountryCode | undefined) {
  const e164 = normalizePhoneE164(text, region);
  return e164.ok ? accepted(e164Digits(e164.value)) : e164;
}

function metaCountry(text: string) {
  const code = normalizeCountryCode(text);
  return code.ok ? accepted(code.value.toLowerCase()) : code;
}

/** US states as their two-letter code; elsewhere lower case without spaces or punctuation. */
function metaState(text: string, country: string | undefined) {
  const usCode = country === undefined || country === 'US' ? usStateCode(text) : undefined;
  if (usCode) return accepted(usCode);
  if (country === 'US') return drop('state is not a US state or state code');

  const state = text.toLowerCase().replace(/[\s\p{P}\p{S}]/gu, '');
  return state === '' ? drop('state contains no letters') : accepted(state);
}

function readCountry(row: Row): string | undefined {
  const text = readFieldText(row.country, 'country');
  if (!text?.ok) return undefined;
  const code = normalizeCountryCode(text.value);
  return code.ok ? code.value : undefined;
}

function readBirthDate(row: Row, dropped: string[]): MetaIdentifiers {
  const text = readFieldText(row.date_of_birth, 'date_of_birth');
  if (text === undefined) return {};
  const parts = text.ok ? parseBirthDate(text.value) : undefined;
  if (!parts) {
    dropped.push('date_of_birth is not a date written as YYYY-MM-DD');
    return {};
  }

  return { DOBY: sha256Hex(parts.year), DOBM: sha256Hex(parts.month), DOBD: sha256Hex(parts.day) };
}
