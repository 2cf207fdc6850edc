/**
 * A deliberately simple email check for the imitations: one `@`, no whitespace, and a dot in the
 * domain. The vendors' own rules are stricter and unpublished, so this only catches the obvious
 * cases the tests and demos need, such as `not-an-email` or `ana@example`.
 */
const EMAIL_PATTERN = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isPlausibleEmail(value: unknown): value is string {
  return typeof value === 'string' && EMAIL_PATTERN.test(value);
}

/** Returns the key vendors match contacts by: the address trimmed and lower-cased. */
export function emailKey(value: string): string {
  return value.trim().toLowerCase();
}
