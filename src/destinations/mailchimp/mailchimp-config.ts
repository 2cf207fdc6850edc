import { z } from 'zod';
import { httpUrlSchema } from '../http/request-settings.js';

/**
 * Mailchimp API keys end with the data center that serves the account (`...-us6`), and the API
 * root is `https://<dc>.api.mailchimp.com/3.0`.
 * https://mailchimp.com/developer/marketing/docs/fundamentals/
 */
const DATA_CENTER = /-([a-z]+[0-9]+)$/;

/** Member statuses Mailchimp accepts in a batch subscribe. */
export const MEMBER_STATUSES = [
  'subscribed',
  'unsubscribed',
  'cleaned',
  'pending',
  'transactional',
] as const;

/** A named Mailchimp Marketing destination in sluice.yml. */
export const mailchimpAccountSchema = z
  .object({
    type: z.literal('mailchimp'),
    /** API key such as `0123...cdef-us6`, written as `${MAILCHIMP_API_KEY}`. */
    api_key: z.string().min(1),
    /**
     * API root, with `/3.0`. Defaults to the data center named at the end of the key. Set it
     * for a local imitation.
     */
    base_url: httpUrlSchema.optional(),
    /** Time allowed for one request. Mailchimp itself gives up on a request after 120 s. */
    timeout_ms: z.number().int().positive().default(120_000),
    /** Attempts per request, the first included, before its rows are returned for a later run. */
    max_attempts: z.number().int().positive().default(5),
    /** Maximum single wait between attempts. */
    max_retry_wait_ms: z.number().int().nonnegative().default(60_000),
    /**
     * Requests in flight at once for the key, across every sync using it. Mailchimp allows 10
     * simultaneous connections per key and throttles beyond that.
     */
    max_concurrency: z.number().int().positive().max(10).default(10),
  })
  .strict()
  .superRefine((account, context) => {
    if (account.base_url === undefined && !DATA_CENTER.test(account.api_key)) {
      context.addIssue({
        code: 'custom',
        path: ['api_key'],
        message: 'must end with the data center, such as -us6, unless base_url is set',
      });
    }
  });

export type MailchimpAccount = z.infer<typeof mailchimpAccountSchema>;

/** `destination_options` of a sync that writes to a Mailchimp audience. */
export const mailchimpSyncSchema = z
  .object({
    /** The audience (list) id, from Audience settings in Mailchimp. */
    list_id: z.string().min(1),
    /**
     * Status sent for every member whose row has no `status` field. Batch subscribe has no
     * "status if new", so with `update_existing` this also changes the status of existing
     * members: choose it with consent in mind, or map a `status` field from the warehouse.
     */
    status: z.enum(MEMBER_STATUSES),
    /** Whether existing members are updated. When false, they are rejected as existing. */
    update_existing: z.boolean().default(true),
    /**
     * Action for delete and remove. `archive` keeps the history and allows a later re-import,
     * and `delete_permanent` erases the member, who can then never be imported again.
     */
    on_remove: z.enum(['archive', 'delete_permanent']).default('archive'),
    /** Accept members even when required merge fields are missing. */
    skip_merge_validation: z.boolean().default(false),
  })
  .strict();

export type MailchimpSyncOptions = z.infer<typeof mailchimpSyncSchema>;

/** Returns the API root: base_url when set, else the data center's host from the key. */
export function mailchimpBaseUrl(account: MailchimpAccount): string {
  if (account.base_url !== undefined) return account.base_url.replace(/\/+$/, '');
  const dataCenter = DATA_CENTER.exec(account.api_key)?.[1] ?? 'us1';
  return `https://${dataCenter}.api.mailchimp.com/3.0`;
}
