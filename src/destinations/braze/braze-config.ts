import { z } from 'zod';
import { httpUrlSchema, requestSettingsShape } from '../http/request-settings.js';
import { phoneCountrySchema } from '../identifiers/contact.js';

/**
 * Default REST host, instance US-01. Braze serves each customer from one instance (US-01 to
 * US-10, EU-01, EU-02 and others), so most accounts set base_url to the host shown on their
 * dashboard's API settings page. https://www.braze.com/docs/api/api_limits
 */
export const BRAZE_DEFAULT_URL = 'https://rest.iad-01.braze.com';

/**
 * Objects per `/users/track` request: 75 attribute, event and purchase objects combined on
 * current accounts, 50 on accounts with monthly-active-user pricing.
 * https://www.braze.com/docs/api/api_limits
 */
export const MAX_TRACK_OBJECTS = 75;

/** A named Braze destination in sluice.yml. */
export const brazeAccountSchema = z
  .object({
    type: z.literal('braze'),
    /** REST API key with users.track and users.delete permissions, written as `${BRAZE_API_KEY}`. */
    api_key: z.string().min(1),
    /** REST endpoint of the account's instance, such as https://rest.fra-01.braze.eu. */
    base_url: httpUrlSchema.default(BRAZE_DEFAULT_URL),
    /** Attribute objects per `/users/track` request. Set 50 on MAU-priced accounts. */
    max_objects_per_request: z
      .number()
      .int()
      .positive()
      .max(MAX_TRACK_OBJECTS)
      .default(MAX_TRACK_OBJECTS),
    /**
     * Request settings: timeout_ms, max_attempts, max_retry_wait_ms, max_concurrency (default 4)
     * and max_requests_per_second, the request starts per second for the account. Braze's
     * default for /users/track is 3,000 requests per 3 seconds. When the rate is unset, only
     * Braze's 429 responses slow Sluice down.
     */
    ...requestSettingsShape({ maxConcurrency: 4, timeoutMs: 30_000 }),
  })
  .strict();

export type BrazeAccount = z.infer<typeof brazeAccountSchema>;

/** `destination_options` of a sync that writes to Braze. */
export const brazeSyncSchema = z
  .object({
    /**
     * Mapped field that identifies the user: `external_id` (the default), `email` or `phone`.
     * Deletes use the same identifier type, since `/users/delete` takes one type per request.
     */
    identify_by: z.enum(['external_id', 'email', 'phone']).default('external_id'),
    /** ISO 3166 country for phone numbers written without a country code, such as `US`. */
    default_phone_country: phoneCountrySchema.optional(),
    /**
     * Mapped field name to subscription group id. The field holds true or `subscribed`, false
     * or `unsubscribed`, and the state is set with `/v2/subscription/status/set`.
     */
    subscription_groups: z.record(z.string().min(1), z.string().min(1)).default({}),
    /**
     * Custom attribute set to true for audience members (`add`) and false for leavers (`remove`).
     * Required for audience syncs.
     */
    audience_attribute: z.string().min(1).optional(),
  })
  .strict();

export type BrazeSyncOptions = z.infer<typeof brazeSyncSchema>;
