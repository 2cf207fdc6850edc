/** Config schema parts shared by the ads-platform connectors. */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { countryCodes } from './country.js';

/** An ISO 3166-1 alpha-2 code in either case, stored in upper case. */
export const countryCodeSchema = z
  .string()
  .transform((value) => value.trim().toUpperCase())
  .refine((value) => countryCodes().has(value), {
    message: 'must be an ISO 3166-1 alpha-2 country code such as US or GB',
  });

/**
 * Returns a short hash of the parts, for account keys: syncs with equal credentials share one
 * rate budget, and the key is safe to log because it does not contain the credential.
 */
export function credentialFingerprint(...parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}
