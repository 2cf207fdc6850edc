import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { SuppressionChannel } from './suppression-list.js';

/**
 * Returns the form an address is stored and looked up in. Email: trimmed and lower-cased.
 * SMS: E.164 when the text parses as an international number (`+1 (202) 555-0162` becomes
 * `+12025550162`), otherwise the trimmed text with spaces removed, so that a sender such as a
 * short code or a messaging service SID still matches itself.
 */
export function normalizeAddress(channel: SuppressionChannel, address: string): string {
  const trimmed = address.trim();
  if (channel === 'email') return trimmed.toLowerCase();

  const phone = trimmed.startsWith('+') ? parsePhoneNumberFromString(trimmed) : undefined;
  return phone?.isPossible() ? phone.number : trimmed.replace(/\s+/g, '');
}
