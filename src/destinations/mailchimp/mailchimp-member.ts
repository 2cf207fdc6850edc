import { createHash } from 'node:crypto';
import type { CanonicalValue, Row } from '../../core/values.js';
import { normalizeContactEmail } from '../identifiers/contact.js';
import { MEMBER_STATUSES, type MailchimpSyncOptions } from './mailchimp-config.js';

/** Member properties set from mapped fields of the same name. Other fields are merge fields. */
const MEMBER_PROPERTIES = new Set([
  'email_type',
  'language',
  'vip',
  'tags',
  'interests',
  'location',
]);

/** One element of `members` in `POST /lists/{list_id}`. */
export interface MailchimpMember {
  email_address: string;
  status: string;
  merge_fields?: Record<string, CanonicalValue>;
  [property: string]: CanonicalValue | undefined;
}

export type MemberResult = { ok: true; member: MailchimpMember } | { ok: false; reason: string };

/**
 * Returns the subscriber hash of an email: lower-case hex MD5 of the trimmed, lower-cased
 * address. https://mailchimp.com/developer/marketing/docs/fundamentals/
 */
export function subscriberHash(email: string): string {
  return createHash('md5').update(email.trim().toLowerCase()).digest('hex');
}

/** Returns the row's email from `email_address` or `email`, normalised. */
export function memberEmail(fields: Row | null): string | undefined {
  return normalizeContactEmail(fields?.email_address ?? fields?.email);
}

/**
 * Builds the member for one row. `email_address` (or `email`) and `status` are the member's own
 * properties, as are email_type, language, vip, tags, interests and location. Every other field
 * goes into merge_fields under its mapped name, so map fields to merge tags such as `FNAME`.
 */
export function buildMember(fields: Row, options: MailchimpSyncOptions): MemberResult {
  const email = memberEmail(fields);
  if (email === undefined) {
    return { ok: false, reason: 'email_address is missing; Mailchimp members are keyed by email' };
  }

  const status = fields.status ?? options.status;
  if (typeof status !== 'string' || !(MEMBER_STATUSES as readonly string[]).includes(status)) {
    return { ok: false, reason: `status must be one of ${MEMBER_STATUSES.join(', ')}` };
  }

  const member: MailchimpMember = { email_address: email, status };
  const mergeFields: Record<string, CanonicalValue> = {};
  for (const [name, value] of Object.entries(fields)) {
    if (name === 'email' || name === 'email_address' || name === 'status') continue;
    if (MEMBER_PROPERTIES.has(name)) {
      if (value !== null) member[name] = value;
      continue;
    }
    // An empty string clears a merge field, because null is not a valid merge value.
    mergeFields[name] = value === null ? '' : value;
  }
  if (Object.keys(mergeFields).length > 0) member.merge_fields = mergeFields;
  return { ok: true, member };
}
