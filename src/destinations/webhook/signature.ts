import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Sluice-Signature';
export const TIMESTAMP_HEADER = 'X-Sluice-Timestamp';

/**
 * Returns the X-Sluice-Signature value for a request body: `sha256=` and the hex HMAC-SHA256,
 * keyed by the secret, of `<timestamp>.<body>`. Signing the timestamp too lets a receiver reject
 * a captured request replayed later.
 */
export function signWebhookBody(secret: string, timestamp: string, body: string): string {
  const digest = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `sha256=${digest}`;
}

/**
 * Checks an X-Sluice-Signature header against the body and X-Sluice-Timestamp, in constant time.
 * Receivers should also reject a timestamp far from their own clock, which this leaves to them.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  signature: string,
): boolean {
  const expected = Buffer.from(signWebhookBody(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
