import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { SuppressionChannel } from './suppression-list.js';

export const SUPPRESSION_CHANNELS: readonly SuppressionChannel[] = ['sms', 'email'];

/** One `@`, no whitespace, a dot in the domain, as the email destinations check addresses. */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export type ParsedAddress = { ok: true; address: string } | { ok: false; problem: string };

/** Returns the channel when `text` names one, or undefined. */
export function parseChannel(text: string): SuppressionChannel | undefined {
  return SUPPRESSION_CHANNELS.find((channel) => channel === text.trim().toLowerCase());
}

/**
 * Checks an address typed by an operator and returns it in the form the list stores: SMS
 * numbers in E.164, email addresses trimmed and lower-cased. Stricter than normalizeAddress,
 * which also keeps short codes and other sender forms, because an operator's typo would
 * otherwise become an entry that matches no recipient. The problem text never repeats the address.
 */
export function parseSuppressionAddress(channel: SuppressionChannel, text: string): ParsedAddress {
  const trimmed = text.trim();
  if (channel === 'email') {
    const lowered = trimmed.toLowerCase();
    if (EMAIL_SHAPE.test(lowered)) return { ok: true, address: lowered };
    return { ok: false, problem: 'is not a valid email address, such as ana@example.com' };
  }

  const phone = trimmed.startsWith('+') ? parsePhoneNumberFromString(trimmed) : undefined;
  if (phone?.isPossible()) return { ok: true, address: phone.number };
  return {
    ok: false,
    problem: 'is not a phone number in E.164 form: write + and the country code, such as +14155550123',
  };
}
