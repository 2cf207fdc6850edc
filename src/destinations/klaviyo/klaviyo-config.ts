import { z } from 'zod';
import { httpUrlSchema, requestSettingsShape } from '../http/request-settings.js';
import { phoneCountrySchema } from '../identifiers/contact.js';

/** Production API host: https://developers.klaviyo.com/en/reference/bulk_import_profiles */
export const KLAVIYO_API_URL = 'https://a.klaviyo.com';

/**
 * API revision sent in the required `revision` header: the revision of the klaviyo/openapi spec
 * this connector was written against. Klaviyo keeps each revision working for two years.
 */
export const KLAVIYO_REVISION = '2026-07-15';

/** A named Klaviyo destination in sluice.yml. */
export const klaviyoAccountSchema = z
  .object({
    type: z.literal('klaviyo'),
    /** Private API key (`pk_...`) with profiles and lists scopes, written as `${KLAVIYO_API_KEY}`. */
    api_key: z.string().min(1),
    /** API root. Change it for a local imitation. */
    base_url: httpUrlSchema.default(KLAVIYO_API_URL),
    /** Value of the `revision` header, a date such as 2026-07-15. */
    revision: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/, 'must be a revision date such as 2026-07-15')
      .default(KLAVIYO_REVISION),
    /**
     * Request settings: timeout_ms, max_attempts, max_retry_wait_ms, max_concurrency (default 4)
     * and max_requests_per_second, the request starts per second for every endpoint. When the
     * rate is unset, each endpoint keeps to Klaviyo's steady limit for it (150 per minute for
     * bulk imports and list changes). Set it for an account with higher limits.
     */
    ...requestSettingsShape({ maxConcurrency: 4, timeoutMs: 30_000 }),
    /** Wait between two status requests for an import job. */
    poll_interval_ms: z.number().int().positive().default(2_000),
    /** How long to wait for an import job before its rows are returned for a later run. */
    job_timeout_ms: z
      .number()
      .int()
      .positive()
      .default(15 * 60_000),
  })
  .strict();

export type KlaviyoAccount = z.infer<typeof klaviyoAccountSchema>;

/** `destination_options` of a sync that writes to Klaviyo. */
export const klaviyoSyncSchema = z
  .object({
    /** The list that `add` puts profiles on and `remove` takes them off, needed for audiences. */
    list_id: z.string().min(1).optional(),
    /** ISO 3166 country for phone numbers written without a country code, such as `US`. */
    default_phone_country: phoneCountrySchema.optional(),
  })
  .strict();

export type KlaviyoSyncOptions = z.infer<typeof klaviyoSyncSchema>;
