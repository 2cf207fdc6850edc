import { DestinationError } from '../../core/errors.js';
import type { CanonicalValue, Row } from '../../core/values.js';
import { normalizeContactEmail, normalizeContactPhone } from '../identifiers/contact.js';
import type { SendgridSyncOptions } from './sendgrid-config.js';

/**
 * Contact fields SendGrid reserves, by their API names. Every other mapped field must be listed
 * in `custom_fields` with its id.
 * https://www.twilio.com/docs/sendgrid/api-reference/contacts/add-or-update-a-contact
 */
const RESERVED_FIELDS = [
  'email',
  'phone_number_id',
  'external_id',
  'anonymous_id',
  'alternate_emails',
  'first_name',
  'last_name',
  'address_line_1',
  'address_line_2',
  'city',
  'state_province_region',
  'postal_code',
  'country',
] as const;

const RESERVED = new Set<string>(RESERVED_FIELDS);
const MAX_ALTERNATE_EMAILS = 5;

/** One element of `contacts` in `PUT /v3/marketing/contacts`. */
export interface SendgridContact {
  email: string;
  custom_fields?: Record<string, CanonicalValue>;
  [field: string]: CanonicalValue | Record<string, CanonicalValue> | undefined;
}

export type ContactResult = { ok: true; contact: SendgridContact } | { ok: false; reason: string };

/**
 * Builds the contact for one row's mapped fields. Sluice keys SendGrid contacts by email, so a
 * row without one is rejected. Throws a DestinationError for a field that is neither reserved
 * nor listed in `custom_fields`, because every row of the sync would fail the same way.
 */
export function buildContact(fields: Row, options: SendgridSyncOptions): ContactResult {
  const email = normalizeContactEmail(fields.email);
  if (email === undefined) {
    return { ok: false, reason: 'email is missing; Sluice identifies SendGrid contacts by email' };
  }

  const contact: SendgridContact = { email };
  const customFields: Record<string, CanonicalValue> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'email') continue;
    const customFieldId = options.custom_fields[name];
    if (customFieldId !== undefined) {
      customFields[customFieldId] = clearable(value);
      continue;
    }
    if (!RESERVED.has(name)) throw unknownFieldError(name);

    const problem = setReservedField(contact, name, value, options);
    if (problem !== undefined) return { ok: false, reason: problem };
  }

  if (Object.keys(customFields).length > 0) contact.custom_fields = customFields;
  return { ok: true, contact };
}

/** Sets one reserved field on the contact. Returns a rejection reason for an invalid value. */
function setReservedField(
  contact: SendgridContact,
  name: string,
  value: CanonicalValue,
  options: SendgridSyncOptions,
): string | undefined {
  if (name === 'phone_number_id' && value !== null) {
    const phone = normalizeContactPhone(value, name, options.default_phone_country);
    if (!phone.ok) return phone.reason;
    contact.phone_number_id = phone.value;
    return undefined;
  }

  if (name === 'alternate_emails' && value !== null) {
    const emails = (Array.isArray(value) ? value : [value]).map((item) =>
      normalizeContactEmail(item),
    );
    if (emails.some((item) => item === undefined)) return 'alternate_emails contains a blank value';
    if (emails.length > MAX_ALTERNATE_EMAILS) {
      return `alternate_emails has ${emails.length} addresses; SendGrid allows at most 5`;
    }
    contact.alternate_emails = emails as string[];
    return undefined;
  }

  contact[name] = typeof value === 'number' ? String(value) : clearable(value);
  return undefined;
}

/**
 * SendGrid leaves omitted fields unchanged, so a NULL mapped with `on_null: clear` is sent as an
 * empty string to blank the field.
 * NOTE: the documentation does not say how to clear a field. Sending an empty string is a guess
 * that fits text fields, and number or date custom fields may reject it.
 */
function clearable(value: CanonicalValue): CanonicalValue {
  return value === null ? '' : value;
}

function unknownFieldError(name: string): DestinationError {
  return new DestinationError(
    `Field "${name}" of the sync mapping is neither a SendGrid contact field nor listed in ` +
      `destination_options.custom_fields; add "${name}: <custom field id>" there, or map it ` +
      `to one of ${RESERVED_FIELDS.join(', ')}`,
    { retryable: false },
  );
}
