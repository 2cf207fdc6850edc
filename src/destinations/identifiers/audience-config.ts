/** Config schema parts shared by the ads-platform connectors. */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { countryCodes } from './country.js';

/** An absolute http(s) URL; tests and local trials point base URLs at an imitation. */
export const httpUrlSchema = z
  .string()
  .min(1)
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'must be an absolute http:// or https:// URL',
  });

/** An ISO 3166-1 alpha-2 code in either case, stored in upper case. */
export const countryCodeSchema = z
  .string()
  .transform((value) => value.trim().toUpperCase())
  .refine((value) => countryCodes().has(value), {
    message: 'must be an ISO 3166-1 alpha-2 country code such as US or GB',
  });

/**
 * Request settings every ads connector takes in its account config. The rate and concurrency
 * apply to every sync that writes with the same credentials, in this process.
 */
export function requestSettingsShape(defaults: {
  maxConcurrency: number;
  maxRequestsPerSecond?: number;
  timeoutMs: number;
}) {
  const rate = z.number().positive();
  return {
    max_concurrency: z.number().int().positive().default(defaults.maxConcurrency),
    max_requests_per_second:
      defaults.maxRequestsPerSecond === undefined
        ? rate.optional()
        : rate.default(defaults.maxRequestsPerSecond),
    /** Time allowed for one request, from connecting to the end of the response. */
    timeout_ms: z.number().int().positive().default(defaults.timeoutMs),
    /** Attempts per request, the first included, before its rows are returned for a later run. */
    max_attempts: z.number().int().positive().default(5),
    /** Maximum single wait between attempts, for backoff and for a platform's requested wait. */
    max_retry_wait_ms: z.number().int().nonnegative().default(60_000),
  };
}

export interface RequestSettings {
  max_concurrency: number;
  max_requests_per_second?: number | undefined;
  timeout_ms: number;
  max_attempts: number;
  max_retry_wait_ms: number;
}

/**
 * Returns a short hash of the parts, for account keys: syncs with equal credentials share one
 * rate budget, and the key is safe to log because it does not contain the credential.
 */
export function credentialFingerprint(...parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 16);
}
