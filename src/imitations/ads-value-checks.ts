/** Format checks the ads-platform imitations apply to identifiers. */
const SHA256_HEX = /^[0-9a-f]{64}$/;
const LOWER_CASE_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Returns whether a value is a SHA-256 digest as platforms require: 64 lowercase hex digits. */
export function isLowerHexSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

/** Returns whether a value is a mobile advertising ID as a lower-case UUID with hyphens. */
export function isLowerCaseUuid(value: unknown): value is string {
  return typeof value === 'string' && LOWER_CASE_UUID.test(value);
}
