import { type NormalizedValue, accepted, dropped } from './normalized-value.js';

/** Email rules of one platform, applied before hashing. */
export interface EmailRules {
  /** Remove whitespace inside the address too, not only around it. */
  removeInnerWhitespace: boolean;
  /** Domains whose local part loses its `+tag`: every domain, Gmail domains only, or none. */
  plusTag: 'all' | 'gmail' | 'none';
  /** Remove dots from the local part of gmail.com and googlemail.com addresses. */
  gmailDots: boolean;
}

const GMAIL_DOMAINS = new Set(['gmail.com', 'googlemail.com']);

/** One `@`, no whitespace, a dot in the domain: enough to catch junk such as "n/a" or "-". */
const EMAIL_SHAPE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * Normalises an email address: trims it, lower-cases it (Unicode-aware and locale-independent)
 * and applies the platform's `rules`. Drops values that are not shaped like an address or whose
 * local part is empty once the tag is removed.
 */
export function normalizeEmail(text: string, rules: EmailRules, field = 'email'): NormalizedValue {
  const spaced = rules.removeInnerWhitespace ? text.replace(/\s+/gu, '') : text.trim();
  const lowered = spaced.toLowerCase();
  if (!EMAIL_SHAPE.test(lowered)) return dropped(`${field} is not a valid email address`);

  const at = lowered.lastIndexOf('@');
  const domain = lowered.slice(at + 1);
  const isGmail = GMAIL_DOMAINS.has(domain);
  let local = lowered.slice(0, at);

  if (rules.plusTag === 'all' || (rules.plusTag === 'gmail' && isGmail)) {
    local = local.split('+')[0] ?? '';
  }
  if (rules.gmailDots && isGmail) local = local.replaceAll('.', '');
  if (local === '') return dropped(`${field} has an empty user name once its tag is removed`);

  return accepted(`${local}@${domain}`);
}
