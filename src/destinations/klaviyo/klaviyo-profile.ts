import type { CanonicalValue, Row } from '../../core/values.js';
import { normalizeContactEmail, normalizeContactPhone } from '../identifiers/contact.js';
import type { KlaviyoSyncOptions } from './klaviyo-config.js';

/**
 * Profile attributes Klaviyo defines. Mapped fields with these names are sent as they are, and
 * every other field becomes a custom property.
 * https://developers.klaviyo.com/en/reference/bulk_import_profiles
 */
const PROFILE_ATTRIBUTES = new Set([
  'email',
  'phone_number',
  'external_id',
  'first_name',
  'last_name',
  'organization',
  'locale',
  'title',
  'image',
]);

/** Mapped fields that go into the profile's `location` object. */
const LOCATION_FIELDS = new Set([
  'address1',
  'address2',
  'city',
  'country',
  'region',
  'zip',
  'timezone',
  'ip',
  'latitude',
  'longitude',
]);

/** Klaviyo's maximum size of one profile in a bulk import. */
const MAX_PROFILE_BYTES = 100 * 1024;

/** One element of `profiles.data` in a bulk import job. */
export interface KlaviyoProfile {
  type: 'profile';
  attributes: Record<string, CanonicalValue>;
  meta?: { patch_properties: { unset: string[] } };
}

/**
 * The identity Sluice matches a profile by, across requests and within a batch: the email when
 * the row has one, else the phone number, else the external id, with its type as a prefix.
 */
export type IdentityKey = string;

export type ProfileResult =
  { ok: true; profile: KlaviyoProfile; identity: IdentityKey } | { ok: false; reason: string };

/**
 * Builds the bulk import profile for a row's mapped fields: email trimmed and lower-cased,
 * phone_number in E.164, location fields nested, other fields as custom properties. A null
 * clears a profile attribute, and a null custom property is unset through
 * `meta.patch_properties.unset`, since properties cannot hold null.
 */
export function buildProfile(fields: Row, options: KlaviyoSyncOptions): ProfileResult {
  const attributes: Record<string, CanonicalValue> = {};
  const location: Record<string, CanonicalValue> = {};
  const properties: Record<string, CanonicalValue> = {};
  const unset: string[] = [];

  for (const [name, value] of Object.entries(fields)) {
    if (name === 'email' && value !== null) {
      const email = normalizeContactEmail(value);
      if (email === undefined) return { ok: false, reason: 'email is blank' };
      attributes.email = email;
    } else if (name === 'phone_number' && value !== null) {
      const phone = normalizeContactPhone(value, name, options.default_phone_country);
      if (!phone.ok) return phone;
      attributes.phone_number = phone.value;
    } else if (name === 'external_id' && value !== null) {
      attributes.external_id = String(value);
    } else if (PROFILE_ATTRIBUTES.has(name)) {
      attributes[name] = value;
    } else if (LOCATION_FIELDS.has(name)) {
      location[name] = value;
    } else if (value === null) {
      unset.push(name);
    } else {
      properties[name] = value;
    }
  }

  const identity = identityOf(attributes);
  if (identity === undefined) {
    return { ok: false, reason: 'the row needs an email, phone_number or external_id' };
  }

  if (Object.keys(location).length > 0) attributes.location = location;
  if (Object.keys(properties).length > 0) attributes.properties = properties;
  const profile: KlaviyoProfile = { type: 'profile', attributes };
  if (unset.length > 0) profile.meta = { patch_properties: { unset } };

  if (Buffer.byteLength(JSON.stringify(profile)) > MAX_PROFILE_BYTES) {
    return { ok: false, reason: `the profile is larger than Klaviyo's ${MAX_PROFILE_BYTES} bytes` };
  }
  return { ok: true, profile, identity };
}

/** Returns the identity of normalised profile attributes, or undefined when there is none. */
export function identityOf(attributes: Record<string, unknown>): IdentityKey | undefined {
  const email = normalizeContactEmail(attributes.email as CanonicalValue | undefined);
  if (email !== undefined) return `email:${email}`;
  if (typeof attributes.phone_number === 'string' && attributes.phone_number !== '') {
    return `phone_number:${attributes.phone_number}`;
  }
  if (
    attributes.external_id !== undefined &&
    attributes.external_id !== null &&
    attributes.external_id !== ''
  ) {
    return `external_id:${String(attributes.external_id)}`;
  }
  return undefined;
}

/** Returns every identity a stored profile can be matched by: email, phone number, external id. */
export function identityKeysOf(attributes: Record<string, unknown>): IdentityKey[] {
  return [
    identityOf({ email: attributes.email }),
    identityOf({ phone_number: attributes.phone_number }),
    identityOf({ external_id: attributes.external_id }),
  ].filter((key): key is IdentityKey => key !== undefined);
}

/** Returns the identity of a row's previously delivered values, normalised the same way. */
export function previousIdentity(
  previous: Row | null,
  options: KlaviyoSyncOptions,
): IdentityKey | undefined {
  if (previous === null) return undefined;
  const attributes: Record<string, unknown> = {};
  const email = normalizeContactEmail(previous.email);
  if (email !== undefined) attributes.email = email;
  if (previous.phone_number !== undefined && previous.phone_number !== null) {
    const phone = normalizeContactPhone(
      previous.phone_number,
      'phone_number',
      options.default_phone_country,
    );
    if (phone.ok) attributes.phone_number = phone.value;
  }
  if (previous.external_id !== undefined && previous.external_id !== null) {
    attributes.external_id = String(previous.external_id);
  }
  return identityOf(attributes);
}
