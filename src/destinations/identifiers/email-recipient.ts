import type { ChangeRecord, Recipient } from '../destination.js';
import { normalizeContactEmail } from './contact.js';

/**
 * Returns the email address a record puts on a list or a profile, from the mapped `email` field
 * (`email_address` for Mailchimp), or undefined for a removal, which reaches no one.
 */
export function emailRecipient(record: ChangeRecord): Recipient | undefined {
  if (record.fields === null) return undefined;
  const address = normalizeContactEmail(record.fields.email ?? record.fields.email_address);
  return address === undefined ? undefined : { channel: 'email', address };
}
