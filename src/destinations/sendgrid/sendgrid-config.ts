import { z } from 'zod';

/**
 * Production API host.
 * https://www.twilio.com/docs/sendgrid/api-reference/contacts/add-or-update-a-contact
 */
export const SENDGRID_API_URL = 'https://api.sendgrid.com';

const httpUrlSchema = z
  .string()
  .min(1)
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'must be an absolute http:// or https:// URL',
  });

/** A named SendGrid Marketing Contacts destination in sluice.yml. */
export const sendgridAccountSchema = z
  .object({
    type: z.literal('sendgrid'),
    /** API key with Marketing scopes, written as `${SENDGRID_API_KEY}`. */
    api_key: z.string().min(1),
    /** API root. Change it for a regional host or a local imitation. */
    base_url: httpUrlSchema.default(SENDGRID_API_URL),
    /** Time allowed for one request, from connecting to the end of the response. */
    timeout_ms: z.number().int().positive().default(30_000),
    /** Attempts per request, the first included, before its rows are returned for a later run. */
    max_attempts: z.number().int().positive().default(5),
    /** Maximum single wait between attempts, for backoff and for rate-limit resets alike. */
    max_retry_wait_ms: z.number().int().nonnegative().default(60_000),
    /**
     * Request starts per second for the account. SendGrid publishes no numbers and reports its
     * limits in X-RateLimit-* headers, so by default only its 429 responses slow Sluice down.
     */
    max_requests_per_second: z.number().positive().optional(),
    max_concurrency: z.number().int().positive().default(4),
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
    default_phone_country: z
      .string()
      .regex(/^[A-Z]{2}$/, 'must be a two-letter upper-case ISO 3166 country code')
      .optional(),
  })
  .strict();

export type SendgridSyncOptions = z.infer<typeof sendgridSyncSchema>;
