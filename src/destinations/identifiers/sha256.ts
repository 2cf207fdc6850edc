import { createHash } from 'node:crypto';

const SHA256_HEX = /^[0-9a-f]{64}$/;
const SHA256_HEX_ANY_CASE = /^[0-9a-fA-F]{64}$/;

/** Returns the lowercase hex SHA-256 of the UTF-8 bytes of `text`. */
export function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** Returns whether `text` is 64 lowercase hex digits, the form every ads platform here expects. */
export function isSha256Hex(text: string): boolean {
  return SHA256_HEX.test(text);
}

/**
 * Returns a value the warehouse already hashed, lower-cased, or undefined when `text` is not 64
 * hex digits. Such values are passed through unchanged because hashing a hash again would never
 * match. Meta's Node SDK does the same after lower-casing, in
 * github.com/facebook/facebook-nodejs-business-sdk, src/objects/serverside/utils.js.
 * No email, phone number or name normalises to 64 hex digits, so the check cannot misfire.
 */
export function readPrehashed(text: string): string | undefined {
  const trimmed = text.trim();
  return SHA256_HEX_ANY_CASE.test(trimmed) ? trimmed.toLowerCase() : undefined;
}
