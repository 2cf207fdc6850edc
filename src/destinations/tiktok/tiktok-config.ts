import { z } from 'zod';
import { httpUrlSchema, requestSettingsShape } from '../http/request-settings.js';
import { countryCodeSchema } from '../identifiers/audience-config.js';

/**
 * Rows per request when the account sets none. TikTok publishes no limit for the segment mapping
 * API. It returns code 40061 for a batch it finds too large, which Sluice then splits.
 * NOTE: 1,000 is a cautious guess, not a documented figure.
 */
const DEFAULT_MAX_BATCH_SIZE = 1_000;

/** A named TikTok destination in sluice.yml: one access token, shared by its syncs. */
export const tiktokAccountSchema = z
  .object({
    type: z.literal('tiktok_audience'),
    /** TikTok for Business access token, written as `${TIKTOK_ACCESS_TOKEN}`. */
    access_token: z.string().min(1),
    /** The Business API host; tests and local trials point it at an imitation. */
    base_url: httpUrlSchema.default('https://business-api.tiktok.com'),
    api_version: z
      .string()
      .regex(/^v\d+\.\d+$/, 'must look like v1.3')
      .default('v1.3'),
    /** Rows per request, at most 10,000. */
    max_batch_size: z.number().int().positive().max(10_000).default(DEFAULT_MAX_BATCH_SIZE),
    ...requestSettingsShape({ maxConcurrency: 2, timeoutMs: 60_000 }),
  })
  .strict();

export type TikTokAccount = z.infer<typeof tiktokAccountSchema>;

/**
 * `destination_options` of a sync that writes to a TikTok audience. The field mapping may use
 * email, phone, idfa, gaid, and country_code or country (the country for phone numbers without
 * one). See TIKTOK_FIELDS in identifiers/tiktok-identifiers.ts.
 */
export const tiktokSyncSchema = z
  .object({
    advertiser_id: z.string().regex(/^\d+$/, 'must be the numeric ID of an advertiser'),
    audience_id: z.string().regex(/^\d+$/, 'must be the numeric ID of an audience'),
    /** Country for phone numbers written without a country code, when the row has none. */
    default_country: countryCodeSchema.optional(),
  })
  .strict();

export type TikTokSyncOptions = z.infer<typeof tiktokSyncSchema>;
