import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import type { SqlDialect } from '../warehouse/dialect.js';
import type { ResolvedType } from './resolve-types.js';
import { EMAIL_TRANSFORMS, transformValue } from './transforms.js';

/** Country codes people write that are not ISO 3166-1 alpha-2, mapped to the ISO code. */
const COUNTRY_ALIASES: Record<string, CountryCode> = { UK: 'GB' };

/**
 * Returns whether a type's values are normalised in Node rather than in SQL. Phones always are, because
 * numbering plans (trunk prefixes, Italy's leading zero, valid lengths) need libphonenumber.
 * Types that need Unicode NFC are too when the warehouse has no NFC function.
 */
export function normalisedInNode(type: ResolvedType, sql: SqlDialect): boolean {
  if (type.kind === 'phone') return true;
  if (sql.nfcNormalize !== undefined) return false;
  return type.kind === 'email' || type.transforms.includes('nfc');
}

/**
 * Normalises one raw value in JavaScript, or returns null when the value is invalid (a phone
 * number that is not valid for its country). `country` is the row's country code, if any.
 * Blocked values are not checked here.
 */
export function normaliseValue(type: ResolvedType, raw: string, country?: string | null): string | null {
  switch (type.kind) {
    case 'phone':
      return normalisePhone(raw, phoneCountry(country, type.defaultCountry));
    case 'email':
      return transformValue(raw, EMAIL_TRANSFORMS);
    case 'rule':
      return raw;
    default:
      return transformValue(raw, type.transforms);
  }
}

/**
 * Converts a phone number to E.164 (`+442079460958`), or returns null when libphonenumber-js
 * (max metadata) finds it invalid. Numbers with a `+` or international prefix need no country.
 */
export function normalisePhone(raw: string, country: CountryCode | undefined): string | null {
  const parsed = parsePhoneNumberFromString(raw, country === undefined ? undefined : { defaultCountry: country });
  if (parsed === undefined || !parsed.isValid()) return null;
  return parsed.number;
}

/** Picks the row's country when it is a supported code (or a known alias), else the type's default. */
export function phoneCountry(rowCountry: string | null | undefined, fallback: CountryCode | undefined): CountryCode | undefined {
  const code = rowCountry?.trim().toUpperCase();
  if (code === undefined || code === '') return fallback;
  const alias = COUNTRY_ALIASES[code];
  if (alias !== undefined) return alias;
  return isSupportedCountry(code) ? (code as CountryCode) : fallback;
}
