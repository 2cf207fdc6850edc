/**
 * Google Customer Match identifiers for the Data Manager API: which mapped fields become which
 * UserIdentifier, and how each is normalised. Email, phone and names are SHA-256 hex; country
 * and postal code are sent in clear text. Rules from
 * https://developers.google.com/data-manager/api/devguides/concepts/formatting
 */
import type { CountryCode } from 'libphonenumber-js';
import type { Row } from '../../core/values.js';
import { normalizeCountryCode } from './country.js';
import { normalizeEmail } from './email.js';
import { readFieldText } from './field-text.js';
import { normalizeMobileId } from './mobile-id.js';
import { normalizeGoogleName } from './person-text.js';
import { normalizePhoneE164 } from './phone.js';
import { phoneRegionOf } from './phone-region.js';
import { normalizeGooglePostalCode } from './postal-code.js';
import {
  type RowIdentifiers,
  readClearField,
  readHashedField,
  unknownFields,
} from './row-identifiers.js';

/** One UserIdentifier; the API's oneof allows exactly one of these keys per object. */
export type GoogleUserIdentifier =
  | { emailAddress: string }
  | { phoneNumber: string }
  | {
      address: { givenName: string; familyName: string; regionCode: string; postalCode: string };
    };

/** The data of one AudienceMember: contact details or mobile IDs, never both. */
export type GoogleMemberData =
  | { userData: { userIdentifiers: GoogleUserIdentifier[] } }
  | { mobileData: { mobileIds: string[] } };

/**
 * Identifier kind a Customer Match list matches on. A list takes one kind only. The names follow
 * the Google Ads API's `upload_key_type`.
 */
export type GoogleUploadKeyType = 'CONTACT_INFO' | 'MOBILE_ADVERTISING_ID';

/**
 * Destination field names a Google sync may map. The address is sent only when first_name,
 * last_name, country and zip are all present, because Google requires all four.
 * `country_code` only sets the country for reading phone numbers; `country` does both.
 */
export const GOOGLE_CONTACT_FIELDS = [
  'email',
  'phone',
  'first_name',
  'last_name',
  'country',
  'zip',
  'country_code',
] as const;
export const GOOGLE_MOBILE_FIELDS = ['mobile_id'] as const;

const ADDRESS_FIELDS = ['first_name', 'last_name', 'country', 'zip'] as const;

export function extractGoogleIdentifiers(
  row: Row,
  uploadKeyType: GoogleUploadKeyType,
  defaultCountry: string | undefined,
): RowIdentifiers<GoogleMemberData> {
  return uploadKeyType === 'MOBILE_ADVERTISING_ID'
    ? extractMobileIds(row)
    : extractContactInfo(row, defaultCountry);
}

function extractContactInfo(
  row: Row,
  defaultCountry: string | undefined,
): RowIdentifiers<GoogleMemberData> {
  const dropped: string[] = [];
  const identifiers: GoogleUserIdentifier[] = [];
  const phoneRegion = phoneRegionOf(row, defaultCountry);
  dropped.push(...phoneRegion.dropped);

  const email = readHashedField(row, 'email', googleEmail, dropped);
  if (email) identifiers.push({ emailAddress: email });
  const phone = readHashedField(
    row,
    'phone',
    (text) => googlePhone(text, phoneRegion.region),
    dropped,
  );
  if (phone) identifiers.push({ phoneNumber: phone });
  const address = readAddress(row, dropped);
  if (address) identifiers.push({ address });

  return {
    identifiers:
      identifiers.length > 0 ? { userData: { userIdentifiers: identifiers } } : undefined,
    dropped,
    ignoredFields: unknownFields(row, new Set(GOOGLE_CONTACT_FIELDS)),
  };
}

function extractMobileIds(row: Row): RowIdentifiers<GoogleMemberData> {
  const dropped: string[] = [];
  // Mobile IDs are never hashed (same formatting page, "MobileData requirements").
  const mobileId = readClearField(
    row,
    'mobile_id',
    (t) => normalizeMobileId(t, 'mobile_id'),
    dropped,
  );
  return {
    identifiers: mobileId ? { mobileData: { mobileIds: [mobileId] } } : undefined,
    dropped,
    ignoredFields: unknownFields(row, new Set(GOOGLE_MOBILE_FIELDS)),
  };
}

/** Google: all whitespace removed, lower case, and for Gmail no dots and no `+tag`. */
function googleEmail(text: string) {
  return normalizeEmail(text, { removeInnerWhitespace: true, plusTag: 'gmail', gmailDots: true });
}

/** Google: E.164 with the leading "+" (`+1 800 5550101` becomes `+18005550101`). */
function googlePhone(text: string, region: CountryCode | undefined) {
  return normalizePhoneE164(text, region);
}

function readAddress(row: Row, dropped: string[]) {
  const present = ADDRESS_FIELDS.filter((field) => readFieldText(row[field], field) !== undefined);
  if (present.length === 0) return undefined;
  if (present.length < ADDRESS_FIELDS.length) {
    const missing = ADDRESS_FIELDS.filter((field) => !present.includes(field));
    dropped.push(
      'address left out: Google needs first_name, last_name, country and zip; ' +
        `missing ${missing.join(', ')}`,
    );
    return undefined;
  }

  const regionCode = readClearField(row, 'country', (text) => normalizeCountryCode(text), dropped);
  const givenName = readHashedField(
    row,
    'first_name',
    (text) => normalizeGoogleName(text, 'given', 'first_name'),
    dropped,
  );
  const familyName = readHashedField(
    row,
    'last_name',
    (text) => normalizeGoogleName(text, 'family', 'last_name'),
    dropped,
  );
  const postalCode = regionCode
    ? readClearField(
        row,
        'zip',
        (text) => normalizeGooglePostalCode(text, regionCode, 'zip'),
        dropped,
      )
    : undefined;

  if (!regionCode || !givenName || !familyName || !postalCode) return undefined;
  return { givenName, familyName, regionCode, postalCode };
}
