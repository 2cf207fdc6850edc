import { z } from 'zod';
import { httpUrlSchema, requestSettingsShape } from '../http/request-settings.js';
import { phoneCountrySchema } from '../identifiers/contact.js';

/**
 * Production API host.
 * https://www.twilio.com/docs/sendgrid/api-reference/contacts/add-or-update-a-contact
 */
export const SENDGRID_API_URL = 'https://api.sendgrid.com';

/** A named SendGrid Marketing Contacts destination in sluice.yml. */
export const sendgridAccountSchema = z
  .object({
    type: z.literal('sendgrid'),
    /** API key with Marketing scopes, written as `${SENDGRID_API_KEY}`. */
    api_key: z.string().min(1),
    /** API root. Change it for a regional host or a local imitation. */
    base_url: httpUrlSchema.default(SENDGRID_API_URL),
    /**
     * Request settings: timeout_ms, max_attempts, max_retry_wait_ms, max_concurrency (default 4)
     * and max_requests_per_second, the request starts per second for the account. SendGrid
     * publishes no numbers and reports its limits in X-RateLimit-* headers, so when the rate is
     * unset only its 429 responses slow Sluice down.
     */
    ...requestSettingsShape({ maxConcurrency: 4, timeoutMs: 30_000 }),
    /** Wait between two status requests for an import or delete job. */
    poll_interval_ms: z.number().int().positive().default(2_000),
    /** How long to wait for a job to finish before its rows are returned for a later run. */
    job_timeout_ms: z
      .number()
      .int()
      .positive()
      .default(15 * 60_000),
  })
  .strict();

export type SendgridAccount = z.infer<typeof sendgridAccountSchema>;

/** `destination_options` of a sync that writes to SendGrid. */
export const sendgridSyncSchema = z
  .object({
    /** Lists that `add` puts contacts on and `remove` takes them off, required for audiences. */
    list_ids: z.array(z.string().min(1)).default([]),
    /**
     * Mapped field name to SendGrid custom-field id (such as `w1` or `e2_T`). SendGrid keys
     * custom fields by id, and the fields must already exist in the account.
     */
    custom_fields: z.record(z.string().min(1), z.string().min(1)).default({}),
    /** ISO 3166 country for phone numbers written without a country code, such as `US`. */
    default_phone_country: phoneCountrySchema.optional(),
  })
  .strict();

export type SendgridSyncOptions = z.infer<typeof sendgridSyncSchema>;
