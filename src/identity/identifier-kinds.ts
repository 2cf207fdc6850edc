/**
 * Built-in identifier types and their defaults. A type's kind decides how its values are
 * normalised: `email` and `phone` have fixed rules, the id kinds and custom types apply their
 * declared transforms, and match rules build one value from several fields.
 */
export type IdentifierKind = 'email' | 'phone' | 'id' | 'custom' | 'rule';

export const BUILT_IN_TYPES = ['email', 'phone', 'user_id', 'anonymous_id', 'device_id'] as const;
export type BuiltInType = (typeof BUILT_IN_TYPES)[number];

export function isBuiltInType(name: string): name is BuiltInType {
  return (BUILT_IN_TYPES as readonly string[]).includes(name);
}

export function kindOfBuiltIn(name: BuiltInType): IdentifierKind {
  if (name === 'email' || name === 'phone') return name;
  return 'id';
}

/**
 * Default priorities; a smaller number is a stronger link. When a limit splits a profile,
 * links through stronger types win ties, and limits are enforced strongest type first.
 */
export const DEFAULT_PRIORITIES: Record<BuiltInType | 'custom' | 'rule', number> = {
  user_id: 10,
  email: 20,
  phone: 30,
  custom: 40,
  rule: 50,
  device_id: 60,
  anonymous_id: 70,
};

/**
 * Placeholder values that stand for "no value" in many systems, compared case-insensitively
 * after normalisation. They are blocked for every type unless `default_blocklist` is false.
 */
export const DEFAULT_BLOCKED_VALUES = [
  'null',
  'undefined',
  'none',
  'nil',
  'nan',
  'n/a',
  '0',
  '-',
  'anonymous',
  '00000000-0000-0000-0000-000000000000',
  '[object object]',
];

/** Values made only of zeros or only of dashes, such as `0000` or `---`. */
export const DEFAULT_BLOCKED_PATTERNS = ['^0+$', '^-+$'];

/** Test addresses that QA and sign-up forms are known to fill in. */
export const DEFAULT_BLOCKED_EMAILS = ['test@test.com', 'test@example.com', 'example@example.com'];

/**
 * Role and system mailboxes, which several people share or which are not read, so they must not
 * link people: common role names plus the RFC 2142 mailboxes that mail systems reserve.
 */
export const DEFAULT_BLOCKED_EMAIL_PATTERNS = [
  '^(info|team|support|admin|noreply|no-reply|donotreply|do-not-reply)@',
  '^(postmaster|hostmaster|webmaster|abuse)@',
];

/** An email value must have exactly one `@` with text on both sides and no whitespace. */
export const DEFAULT_EMAIL_VALID_PATTERN = '^[^@\\s]+@[^@\\s]+$';
