import { z } from 'zod';

const httpUrlSchema = z
  .string()
  .min(1)
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), {
    message: 'must be an absolute http:// or https:// URL',
  });

/** RFC 9110 token characters. */
const headerNameSchema = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid HTTP header name');

/** Header values go on the wire as they are; a line break in one could inject a header. */
const headerValueSchema = z.string().regex(/^[^\r\n]*$/, 'must not contain line breaks');

const pathSchema = z
  .string()
  .regex(/^\/[^\s?#]*$/, 'must start with "/" and contain no spaces, "?" or "#"');

/** A named webhook destination in sluice.yml. */
export const webhookAccountSchema = z
  .object({
    type: z.literal('webhook'),
    url: httpUrlSchema,
    /** HMAC-SHA256 key; when set, every request carries X-Sluice-Signature. */
    secret: z.string().min(1).optional(),
    /** Extra request headers, such as Authorization. Sluice's own headers override these. */
    headers: z.record(headerNameSchema, headerValueSchema).default({}),
    max_batch_size: z.number().int().positive().max(10_000).default(500),
    max_requests_per_second: z.number().positive().optional(),
    max_concurrency: z.number().int().positive().default(4),
    /** Time allowed for one request, from connecting to the end of the response. */
    timeout_ms: z.number().int().positive().default(30_000),
    /** Attempts per batch, the first included, before its rows are returned for a later run. */
    max_attempts: z.number().int().positive().default(5),
    /** Maximum single wait between attempts, for backoff and for Retry-After alike. */
    max_retry_wait_ms: z.number().int().nonnegative().default(60_000),
    /**
     * Whether the receiver discards a repeated Idempotency-Key. When true, Sluice sends a batch
     * again after a timeout or reset, and the engine skips the send ledger.
     */
    idempotent: z.boolean().default(false),
  })
  .strict();

export type WebhookAccount = z.infer<typeof webhookAccountSchema>;

/** `destination_options` of a sync that writes to a webhook. */
export const webhookSyncSchema = z
  .object({
    /** Appended to the account URL, such as `/contacts`. */
    path: pathSchema.optional(),
    /** Event name put in every request body, for receivers that serve several syncs. */
    event: z.string().min(1).optional(),
  })
  .strict();

export type WebhookSyncOptions = z.infer<typeof webhookSyncSchema>;

/** Returns the URL a sync posts to: the account URL with the sync's `path` appended. */
export function webhookUrl(account: WebhookAccount, options: WebhookSyncOptions): URL {
  const url = new URL(account.url);
  if (options.path) url.pathname = `${url.pathname.replace(/\/$/, '')}${options.path}`;
  return url;
}
